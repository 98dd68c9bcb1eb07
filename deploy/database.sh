#!/usr/bin/env bash
# Cloud SQL for PostgreSQL: the instance, the database, its user, and the DATABASE_URL secret that
# reaches it through Cloud Run's Cloud SQL socket. The password is generated and never shown.
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=database
STEP_SUMMARY="Creates the Cloud SQL PostgreSQL instance, the applytrack database and user, and the DATABASE_URL secret."

main() {
  parse_options "$@"
  local instance
  instance=$(option sql-instance "$DEFAULT_SQL_INSTANCE")
  if exists sql instances describe "$instance"; then
    note "Cloud SQL instance $instance exists"
  else
    note "creating Cloud SQL instance $instance (this takes several minutes)"
    gc sql instances create "$instance" --database-version=POSTGRES_16 --edition=enterprise \
      --tier="$(option sql-tier db-custom-1-3840)" --region="$REGION" \
      --storage-auto-increase --backup-start-time=03:00 --enable-point-in-time-recovery \
      --deletion-protection
  fi
  if exists sql databases describe "$SQL_DATABASE" --instance="$instance"; then
    note "database $SQL_DATABASE exists"
  else
    gc sql databases create "$SQL_DATABASE" --instance="$instance"
  fi
  ensure_user_and_url "$instance"
}

# The user and the secret are made together: the password exists nowhere else.
ensure_user_and_url() {
  local instance=$1 secret=${SECRET_FOR_ENV[DATABASE_URL]} has_user=0 has_secret=0
  exists sql users describe "$SQL_USER" --instance="$instance" && has_user=1
  exists secrets describe "$secret" && has_secret=1
  if ((has_user && has_secret)); then
    note "user $SQL_USER and secret $secret exist"
    return 0
  fi
  if ((has_user)); then
    die "user $SQL_USER exists but secret $secret does not, so its password is unknown: set a new one with gcloud sql users set-password $SQL_USER --instance=$instance --prompt-for-password, then create $secret holding postgresql+psycopg://$SQL_USER:PASSWORD@/$SQL_DATABASE?host=/cloudsql/$(sql_connection_name)."
  fi
  if ((DRY_RUN)); then
    show_command gcloud sql users create "$SQL_USER" --instance="$instance" \
      --flags-file=PASSWORD_FILE --project="$PROJECT" --quiet
  else
    create_user_with_password "$instance"
  fi
  if ((has_secret)); then
    add_secret_version "$secret" database_url
  else
    create_secret "$secret" database_url
  fi
}

DB_PASSWORD=""
FLAGS_FILE=""

# The password goes to gcloud in a private flags file, not on its command line.
create_user_with_password() {
  DB_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  FLAGS_FILE=$(umask 077 && mktemp)
  trap 'rm -f "$FLAGS_FILE"' EXIT
  printf -- '--password: "%s"\n' "$DB_PASSWORD" >"$FLAGS_FILE"
  gcloud sql users create "$SQL_USER" --instance="$1" --flags-file="$FLAGS_FILE" \
    --project="$PROJECT" --quiet
  rm -f "$FLAGS_FILE"
}

database_url() {
  printf 'postgresql+psycopg://%s:%s@/%s?host=/cloudsql/%s' \
    "$SQL_USER" "$DB_PASSWORD" "$SQL_DATABASE" "$(sql_connection_name)"
}

main "$@"
