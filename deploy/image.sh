#!/usr/bin/env bash
# Step: build the container image (the repository's Dockerfile) with Cloud Build and push it to
# Artifact Registry. One image serves the web, worker and scheduler processes and the jobs.
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=image
STEP_SUMMARY="Creates the Artifact Registry repository if absent and builds the image from the Dockerfile."

main() {
  parse_options "$@"
  local source_dir
  source_dir=$(cd "$DEPLOY_DIR/.." && pwd)
  if exists artifacts repositories describe "$ARTIFACT_REPOSITORY" --location="$REGION"; then
    note "Artifact Registry repository $ARTIFACT_REPOSITORY exists"
  else
    gc artifacts repositories create "$ARTIFACT_REPOSITORY" --repository-format=docker \
      --location="$REGION" --description="ApplyTrack Sync images"
  fi
  gc builds submit "$source_dir" --tag="$(image)" --region="$REGION"
}

main "$@"
