#!/usr/bin/env bash
# Step 4: the secrets in Secret Manager. A secret that exists is left alone; a missing one is
# created from its --*-file option or generated. Values travel through pipes only: never argv,
# never the screen, not even in a dry run.
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=secrets
STEP_SUMMARY="Creates the encryption keys, fingerprint key, Flask secret key, OAuth client secrets and the /metrics scrape token when absent (DATABASE_URL comes from database.sh)."

main() {
  parse_options "$@"
  check_files
  ensure_secret APPLYTRACK_ENCRYPTION_KEYS encryption-keys-file generate_encryption_keys
  ensure_secret APPLYTRACK_FINGERPRINT_KEY fingerprint-key-file random_key_base64
  ensure_secret APPLYTRACK_SECRET_KEY secret-key-file random_key_base64
  ensure_secret GOOGLE_OAUTH_CLIENT_ID oauth-client-id-file ""
  ensure_secret GOOGLE_OAUTH_CLIENT_SECRET oauth-client-secret-file ""
  ensure_secret METRICS_TOKEN metrics-token-file random_token
}

# Files are checked up front, so a bad one stops the step before anything is created.
check_files() {
  local name
  for name in encryption-keys-file fingerprint-key-file secret-key-file oauth-client-id-file \
    oauth-client-secret-file metrics-token-file; do
    [[ -n ${OPT[$name]:-} ]] && require_readable_file "$name" "${OPT[$name]}"
  done
  if [[ -n ${OPT[encryption-keys-file]:-} ]]; then
    check_encryption_keys "$(file_value "${OPT[encryption-keys-file]}")"
  fi
  if [[ -n ${OPT[fingerprint-key-file]:-} ]]; then
    is_aes_key "$(file_value "${OPT[fingerprint-key-file]}")" ||
      die "--fingerprint-key-file must hold one base64 key of 32 bytes (like: head -c 32 /dev/urandom | base64)."
  fi
  if [[ -n ${OPT[metrics-token-file]:-} ]]; then
    local token
    token=$(file_value "${OPT[metrics-token-file]}")
    ((${#token} >= 16)) || die "--metrics-token-file must hold a token of at least 16 characters (like: openssl rand -hex 32)."
  fi
  return 0
}

is_aes_key() {
  [[ $1 =~ ^[A-Za-z0-9+/]{43}=$ ]]
}

# APPLYTRACK_ENCRYPTION_KEYS is KEY_ID:BASE64_KEY[,KEY_ID:BASE64_KEY...], and must hold the active id.
check_encryption_keys() {
  local item active found=0
  active=$(option active-key-id "$DEFAULT_ACTIVE_KEY_ID")
  IFS=, read -r -a items <<<"$1"
  for item in "${items[@]}"; do
    [[ $item =~ ^[A-Za-z0-9_-]+:[A-Za-z0-9+/]{43}=$ ]] ||
      die "--encryption-keys-file must hold KEY_ID:BASE64_KEY pairs separated by commas, each key 32 bytes of base64."
    [[ ${item%%:*} == "$active" ]] && found=1
  done
  ((found)) || die "--encryption-keys-file has no key with the active id '$active' (set --active-key-id)."
}

generate_encryption_keys() {
  printf '%s:%s' "$(option active-key-id "$DEFAULT_ACTIVE_KEY_ID")" "$(random_key_base64)"
}

# ensure_secret ENV_NAME FILE_OPTION GENERATOR: create the secret for ENV_NAME unless it exists.
ensure_secret() {
  local env_name=$1 file_option=$2 generator=$3 secret
  secret=${SECRET_FOR_ENV[$env_name]}
  if exists secrets describe "$secret"; then
    note "secret $secret ($env_name) exists; left as it is"
    [[ -n ${OPT[$file_option]:-} ]] &&
      note "--$file_option was not used: add a version with gcloud secrets versions add $secret --data-file=FILE"
    return 0
  fi
  if [[ -n ${OPT[$file_option]:-} ]]; then
    create_secret "$secret" file_value "${OPT[$file_option]}"
  elif [[ -n $generator ]]; then
    create_secret "$secret" "$generator"
  elif ((DRY_RUN)); then
    note "a real run needs --$file_option to create $secret ($env_name)"
    create_secret "$secret" false
  else
    die "secret $secret ($env_name) does not exist and cannot be generated: create an OAuth client (Google Cloud console, APIs & Services, Credentials, type Web application), save the value in a file and pass --$file_option FILE."
  fi
}

main "$@"
