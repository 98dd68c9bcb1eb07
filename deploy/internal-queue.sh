#!/usr/bin/env bash
# Step 3: the internal mailbox-changed topic and the workers' ordered pull subscription, with a
# dead-letter topic whose messages are kept for `applytrack pubsub replay-dead-letters`.
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=internal-queue
STEP_SUMMARY="Creates the mailbox-changed topic, the workers' ordered pull subscription and its dead-letter topic."

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
    require_ordering "$INTERNAL_SUBSCRIPTION"
    gc pubsub subscriptions update "$INTERNAL_SUBSCRIPTION" "${settings[@]}"
  else
    gc pubsub subscriptions create "$INTERNAL_SUBSCRIPTION" --topic="$INTERNAL_TOPIC" \
      --enable-message-ordering "${settings[@]}" --expiration-period=never --labels=app=applytrack
  fi
  grant_dead_lettering "$INTERNAL_DEAD_LETTER_TOPIC" "$INTERNAL_SUBSCRIPTION"
}

# Ordering is fixed when a subscription is created; one mailbox's changes must arrive in order.
require_ordering() {
  local ordered
  ordered=$(gcloud pubsub subscriptions describe "$1" --project="$PROJECT" \
    --format='value(enableMessageOrdering)')
  [[ ${ordered,,} == true ]] ||
    die "subscription $1 exists without message ordering, which cannot be turned on later: let the workers drain it, delete it (gcloud pubsub subscriptions delete $1 --project=$PROJECT) and run this step again."
}

main "$@"
