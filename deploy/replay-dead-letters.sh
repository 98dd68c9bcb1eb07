#!/usr/bin/env bash
# Operations: move dead-lettered mailbox-changed messages back onto the queue, by running
# `applytrack pubsub replay-dead-letters` as a Cloud Run job. Fix the cause first (see README.md).
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=replay-dead-letters
STEP_SUMMARY="Replays the messages kept in mailbox-changed-dead-letter-hold onto mailbox-changed (Cloud Run job)."

main() {
  parse_options "$@"
  resolve_names
  local max_messages
  max_messages=$(option max-messages 1000)
  [[ $max_messages =~ ^[1-9][0-9]*$ ]] || usage_error "--max-messages must be a positive whole number."
  run_job "$REPLAY_JOB" "pubsub,replay-dead-letters,--max-messages=$max_messages"
}

main "$@"
