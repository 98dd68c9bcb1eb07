#!/usr/bin/env bash
# Step: the service account the three processes and the jobs run as, with only what they use:
# publish to and consume mailbox-changed, read the secrets, connect to Cloud SQL.
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=iam
STEP_SUMMARY="Creates the runtime service account (applytrack-run) and grants it Pub/Sub, Secret Manager and Cloud SQL access."

main() {
  parse_options "$@"
  local member env_name
  member="serviceAccount:$(service_account_email "$RUNTIME_SA_NAME")"
  ensure_service_account "$RUNTIME_SA_NAME" "ApplyTrack Sync processes"
  gc_retry projects add-iam-policy-binding "$PROJECT" --member="$member" \
    --role=roles/cloudsql.client --condition=None
  # web and scheduler publish; replay-dead-letters publishes back onto the same topic.
  gc_retry pubsub topics add-iam-policy-binding "$INTERNAL_TOPIC" --member="$member" \
    --role=roles/pubsub.publisher
  gc_retry pubsub subscriptions add-iam-policy-binding "$INTERNAL_SUBSCRIPTION" \
    --member="$member" --role=roles/pubsub.subscriber
  gc_retry pubsub subscriptions add-iam-policy-binding "$INTERNAL_DEAD_LETTER_TOPIC$HOLD_SUFFIX" \
    --member="$member" --role=roles/pubsub.subscriber
  for env_name in "${SECRET_ENV_ORDER[@]}"; do
    gc_retry secrets add-iam-policy-binding "${SECRET_FOR_ENV[$env_name]}" --member="$member" \
      --role=roles/secretmanager.secretAccessor
  done
}

main "$@"
