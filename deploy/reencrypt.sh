#!/usr/bin/env bash
# Operations, phase 3 of a key rotation: rewrite every field still encrypted with an older key under
# the active one, by running `applytrack db reencrypt` as a Cloud Run job. Run it after
# rotate-encryption-key.sh --activate-key-id has rolled out, with the same --active-key-id.
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=reencrypt
STEP_SUMMARY="Re-encrypts stored fields under the active key (--active-key-id) as the Cloud Run job applytrack-reencrypt."

main() {
  parse_options "$@"
  [[ -n ${OPT[active-key-id]:-} ]] ||
    usage_error "give --active-key-id: the key rows must end up under (the one you activated)."
  resolve_names
  run_job "$REENCRYPT_JOB" db,reencrypt
}

main "$@"
