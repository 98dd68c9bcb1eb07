#!/usr/bin/env bash
# Step: turn on the Google Cloud APIs ApplyTrack uses (enabling an enabled API changes nothing).
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=apis
STEP_SUMMARY="Enables Gmail, Pub/Sub, Cloud Run, Cloud SQL, Secret Manager, Cloud Build and Artifact Registry."

main() {
  parse_options "$@"
  gc services enable gmail.googleapis.com pubsub.googleapis.com run.googleapis.com \
    sqladmin.googleapis.com secretmanager.googleapis.com cloudbuild.googleapis.com \
    artifactregistry.googleapis.com iam.googleapis.com monitoring.googleapis.com
}

main "$@"
