#!/usr/bin/env bash
# Operations: rotate the field-encryption key in two phases (see README.md, "Rotating keys").
#   phase 1  --new-key-id k2    adds k2 to APPLYTRACK_ENCRYPTION_KEYS and rolls it out to every
#                               process; k1 stays active, so every instance can read k2 first
#   phase 2  --activate-key-id k2   sets APPLYTRACK_ACTIVE_KEY_ID=k2: new rows use k2
# Old keys stay in the list: rows encrypted with them are read with them. Key values are never
# printed and never on a command line.
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=rotate-encryption-key
STEP_SUMMARY="Adds a new encryption key (--new-key-id) or makes one active (--activate-key-id), then rolls the change out to the three services."

readonly KEYS_SECRET=${SECRET_FOR_ENV[APPLYTRACK_ENCRYPTION_KEYS]}
readonly SERVICES=("$WEB_SERVICE" "$WORKER_SERVICE" "$SCHEDULER_SERVICE")
CURRENT_KEYS=""
NEW_KEY=""

main() {
  parse_options "$@"
  local new_id=${OPT[new-key-id]:-} active_id=${OPT[activate-key-id]:-}
  if [[ -n $new_id && -n $active_id ]] || [[ -z $new_id && -z $active_id ]]; then
    usage_error "give either --new-key-id (phase 1) or --activate-key-id (phase 2), not both."
  fi
  if [[ -n $new_id ]]; then
    add_key "$new_id"
  else
    activate_key "$active_id"
  fi
}

check_key_id() {
  [[ $1 =~ ^[A-Za-z0-9_-]+$ ]] ||
    usage_error "key id '$1' may only hold letters, digits, '-' and '_'."
}

add_key() {
  local key_id=$1 version
  check_key_id "$key_id"
  if [[ -n ${OPT[new-key-file]:-} ]]; then
    require_readable_file new-key-file "${OPT[new-key-file]}"
    NEW_KEY=$(file_value "${OPT[new-key-file]}")
    [[ $NEW_KEY =~ ^[A-Za-z0-9+/]{43}=$ ]] ||
      die "--new-key-file must hold one base64 key of 32 bytes (like: head -c 32 /dev/urandom | base64)."
  elif ((DRY_RUN == 0)); then
    NEW_KEY=$(random_key_base64)
  fi
  if ((DRY_RUN)); then
    show_command gcloud secrets versions access latest --secret="$KEYS_SECRET" --project="$PROJECT" --quiet
    add_secret_version "$KEYS_SECRET" extended_keys
    version=NEW_VERSION
  else
    CURRENT_KEYS=$(gcloud secrets versions access latest --secret="$KEYS_SECRET" --project="$PROJECT" --quiet) ||
      die "could not read secret $KEYS_SECRET: run secrets.sh first, and check your access to it."
    [[ ",$CURRENT_KEYS" != *",$key_id:"* ]] ||
      die "APPLYTRACK_ENCRYPTION_KEYS already has a key with id '$key_id': pick a new id."
    version=$(extended_keys | gcloud secrets versions add "$KEYS_SECRET" --data-file=- \
      --project="$PROJECT" --quiet --format='value(name)')
    version=${version##*/}
  fi
  # Pinning the new version makes each service start a new revision that holds the new key.
  for service in "${SERVICES[@]}"; do
    gc run services update "$service" --region="$REGION" \
      --update-secrets="APPLYTRACK_ENCRYPTION_KEYS=$KEYS_SECRET:$version"
  done
  note "key '$key_id' is rolled out but not active. When the old revisions are gone (a few minutes), run: $SCRIPT_NAME --project $PROJECT --region $REGION --activate-key-id $key_id"
}

extended_keys() {
  printf '%s,%s:%s' "$CURRENT_KEYS" "${OPT[new-key-id]}" "$NEW_KEY"
}

activate_key() {
  local key_id=$1 service
  check_key_id "$key_id"
  if ((DRY_RUN == 0)); then
    CURRENT_KEYS=$(gcloud secrets versions access latest --secret="$KEYS_SECRET" --project="$PROJECT" --quiet) ||
      die "could not read secret $KEYS_SECRET: check your access to it."
    [[ ",$CURRENT_KEYS" == *",$key_id:"* ]] ||
      die "APPLYTRACK_ENCRYPTION_KEYS has no key with id '$key_id': add it first with --new-key-id $key_id."
  fi
  for service in "${SERVICES[@]}"; do
    gc run services update "$service" --region="$REGION" \
      --update-env-vars="APPLYTRACK_ACTIVE_KEY_ID=$key_id"
  done
  note "new rows are encrypted with '$key_id'. Pass --active-key-id $key_id to deploy.sh from now on."
}

main "$@"
