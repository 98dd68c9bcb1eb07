#!/usr/bin/env bash
# The whole deployment, step by step in order; each step is also a script of its own.
# Safe to run again: every step creates what is missing and updates what is there.
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=deploy
STEP_SUMMARY="Deploys ApplyTrack Sync: APIs, image, secrets, Cloud SQL, Pub/Sub, IAM, migrations, Cloud Run services, Gmail push subscription."

# Order matters: migrations need the secrets, database and IAM; the push subscription goes last,
# once the webhook it pushes to is serving.
readonly STEPS=(apis image secrets database gmail-topic internal-queue iam migrate services
  push-subscription)

main() {
  collect_step_options
  parse_options "$@"
  if [[ -n ${OPT[project-number]:-} ]] || ((DRY_RUN == 0)); then
    resolve_project_number
    OPT[project-number]=$PROJECT_NUMBER
  fi
  if [[ -z ${OPT[image]:-} ]]; then
    # A new tag per deploy: each revision names the exact image it runs.
    OPT[image]="${REGION}-docker.pkg.dev/${PROJECT}/${ARTIFACT_REPOSITORY}/applytrack:$(printf '%(%Y%m%d-%H%M%S)T' -1)"
    [[ -n ${OPT[skip-build]:-} ]] && OPT[image]=$(default_image)
  fi
  local step
  for step in "${STEPS[@]}"; do
    if [[ $step == image && -n ${OPT[skip-build]:-} ]]; then
      note "skipping the image build: deploying ${OPT[image]}"
      continue
    fi
    note "step $step"
    mapfile -t args < <(step_arguments "$step")
    bash "$DEPLOY_DIR/$step.sh" "${args[@]}"
  done
  note "done. Next: connect a Gmail account from the dashboard; see deploy/README.md."
}

# deploy.sh takes every option of the steps it runs.
collect_step_options() {
  local step all=""
  for step in "${STEPS[@]}"; do
    all+=" ${STEP_OPTIONS[$step]}"
  done
  STEP_OPTIONS[deploy]+=$all
}

# step_arguments STEP: the options given to deploy.sh that STEP takes, one per line.
step_arguments() {
  local name
  for name in $COMMON_OPTIONS ${STEP_OPTIONS[$1]}; do
    [[ -n ${OPT[$name]:-} ]] && printf -- '--%s=%s\n' "$name" "${OPT[$name]}"
  done
  ((DRY_RUN)) && printf -- '--dry-run\n'
  return 0
}

main "$@"
