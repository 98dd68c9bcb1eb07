#!/usr/bin/env bash
# Step 3: the internal mailbox-changed topic and the workers' pull subscription (no message
# ordering: the database decides what a mailbox needs), with a retry policy and a dead-letter
# topic whose messages are kept for `applytrack pubsub replay-dead-letters`.
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=internal-queue
STEP_SUMMARY="Creates the mailbox-changed topic, the workers' pull subscription and its dead-letter topic."

main() {
  parse_options "$@"
  resolve_names
  ensure_topic "$INTERNAL_TOPIC"
  ensure_topic "$INTERNAL_DEAD_LETTER_TOPIC"
  ensure_hold_subscription "$INTERNAL_DEAD_LETTER_TOPIC"

  local settings=(
    --ack-deadline="$ACK_DEADLINE_SECONDS"
    --min-retry-delay="$MIN_RETRY_DELAY"
    --max-retry-delay="$MAX_RETRY_DELAY"
    --dead-letter-topic="$INTERNAL_DEAD_LETTER_TOPIC"
    --max-delivery-attempts="$MAX_DELIVERY_ATTEMPTS"
  )
  if exists pubsub subscriptions describe "$INTERNAL_SUBSCRIPTION"; then
    gc pubsub subscriptions update "$INTERNAL_SUBSCRIPTION" "${settings[@]}"
    warn_if_ordered "$INTERNAL_SUBSCRIPTION"
  else
    gc pubsub subscriptions create "$INTERNAL_SUBSCRIPTION" --topic="$INTERNAL_TOPIC" \
      "${settings[@]}" --expiration-period=never --labels=app=applytrack
  fi
  grant_dead_lettering "$INTERNAL_DEAD_LETTER_TOPIC" "$INTERNAL_SUBSCRIPTION"
}

# Ordering is fixed when a subscription is created. One made ordered by an older deploy still
# works (the sweep recovers every mailbox), but a dead worker's stream holds messages back longer.
warn_if_ordered() {
  local ordered
  ordered=$(gcloud pubsub subscriptions describe "$1" --project="$PROJECT" \
    --format='value(enableMessageOrdering)')
  [[ ${ordered,,} == true ]] || return 0
  note "subscription $1 still has message ordering on (an older deploy made it so). Nothing is lost, but a killed worker can hold messages back for minutes: when convenient, stop the workers, let the scheduler keep running, delete it (gcloud pubsub subscriptions delete $1 --project=$PROJECT) and run this step again; the scheduler's sweep re-enqueues every mailbox left behind."
}

main "$@"
