#!/usr/bin/env bash
# Step 2: the push subscription that delivers Gmail's notifications to the webhook, signed with an
# OIDC token of a dedicated service account, retried with backoff (lib.sh's delivery policy: a
# 5-minute outage of the webhook cannot use up its attempts), then dead-lettered.
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=push-subscription
STEP_SUMMARY="Creates (or updates) the Gmail push subscription to the webhook, its service account and its dead-letter topic."

main() {
  parse_options "$@"
  resolve_names
  local endpoint push_account agent
  endpoint=$WEBHOOK_URL
  push_account=$(service_account_email "$PUSH_SA_NAME")
  agent=$(pubsub_service_agent)

  ensure_service_account "$PUSH_SA_NAME" "ApplyTrack Pub/Sub push (signs webhook calls)"
  # Pub/Sub's service agent mints the OIDC tokens in the push service account's name.
  gc_retry iam service-accounts add-iam-policy-binding "$push_account" \
    --member="$agent" --role=roles/iam.serviceAccountTokenCreator

  ensure_topic "$GMAIL_DEAD_LETTER_TOPIC"
  ensure_hold_subscription "$GMAIL_DEAD_LETTER_TOPIC"

  local settings=(
    --push-endpoint="$endpoint"
    --push-auth-service-account="$push_account"
    --push-auth-token-audience="$endpoint"
    --ack-deadline="$ACK_DEADLINE_SECONDS"
    --min-retry-delay="$MIN_RETRY_DELAY"
    --max-retry-delay="$MAX_RETRY_DELAY"
    --dead-letter-topic="$GMAIL_DEAD_LETTER_TOPIC"
    --max-delivery-attempts="$MAX_DELIVERY_ATTEMPTS"
  )
  if exists pubsub subscriptions describe "$GMAIL_PUSH_SUBSCRIPTION"; then
    gc pubsub subscriptions update "$GMAIL_PUSH_SUBSCRIPTION" "${settings[@]}"
  else
    gc pubsub subscriptions create "$GMAIL_PUSH_SUBSCRIPTION" --topic="$GMAIL_TOPIC" \
      "${settings[@]}" --expiration-period=never --labels=app=applytrack
  fi
  grant_dead_lettering "$GMAIL_DEAD_LETTER_TOPIC" "$GMAIL_PUSH_SUBSCRIPTION"
  note "pushes go to $endpoint (audience $endpoint, signed by $push_account)"
}

main "$@"
