#!/usr/bin/env bash
# Step 1: the topic Gmail publishes mailbox notifications to, and Gmail's right to publish there.
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=gmail-topic
STEP_SUMMARY="Creates the Gmail notifications topic and lets Gmail (gmail-api-push@system.gserviceaccount.com) publish to it."

main() {
  parse_options "$@"
  if exists pubsub topics describe "$GMAIL_TOPIC"; then
    note "topic $GMAIL_TOPIC exists"
  else
    gc pubsub topics create "$GMAIL_TOPIC" --labels=app=applytrack
  fi
  # users.watch fails with "User not authorized to perform this action" without this binding.
  gc pubsub topics add-iam-policy-binding "$GMAIL_TOPIC" \
    --member="$GMAIL_PUSH_PUBLISHER" --role=roles/pubsub.publisher
}

main "$@"
