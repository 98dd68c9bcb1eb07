#!/usr/bin/env bash
# Step 7: database migrations, `applytrack db upgrade`, as a Cloud Run job on the new image. Runs
# before the services are deployed, so new code never meets an old schema.
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=migrate
STEP_SUMMARY="Runs applytrack db upgrade as the Cloud Run job applytrack-migrate and waits for it."

main() {
  parse_options "$@"
  resolve_names
  run_job "$MIGRATE_JOB" db,upgrade
}

main "$@"
