# shellcheck shell=bash
# shellcheck disable=SC2034  # the names defined here are used by the scripts that source it
# Shared by every deploy script (sourced, never run): resource names, options, dry-run, gcloud checks.
#
# The Pub/Sub names and delivery policy mirror the defaults of applytrack/settings.py and
# messaging/admin.py (`applytrack pubsub bootstrap`); change them there and here together
# (tests/deploy/ fails when they disagree).

# --- Pub/Sub (applytrack/settings.py, messaging/admin.py) ---------------------------------------
readonly GMAIL_TOPIC=gmail-notifications
readonly GMAIL_PUSH_SUBSCRIPTION=gmail-notifications-push
readonly GMAIL_DEAD_LETTER_TOPIC=gmail-notifications-dead-letter
readonly INTERNAL_TOPIC=mailbox-changed
readonly INTERNAL_SUBSCRIPTION=mailbox-changed-workers
readonly INTERNAL_DEAD_LETTER_TOPIC=mailbox-changed-dead-letter
readonly HOLD_SUFFIX=-hold # messaging.admin.dead_letter_subscription()
# Enough attempts that a 5-minute outage cannot use them up even at the minimum delay
# (39 x 10 s = 390 s); with Pub/Sub's exponential backoff they last hours.
readonly MAX_DELIVERY_ATTEMPTS=40
readonly ACK_DEADLINE_SECONDS=60
readonly MIN_RETRY_DELAY=10s
readonly MAX_RETRY_DELAY=600s
readonly DEAD_LETTER_RETENTION=7d
readonly GMAIL_PUSH_PUBLISHER=serviceAccount:gmail-api-push@system.gserviceaccount.com
readonly WEBHOOK_PATH=/pubsub/gmail

# --- Our resources in Google Cloud -----------------------------------------------------------------
readonly WEB_SERVICE=applytrack-web
readonly WORKER_SERVICE=applytrack-worker
readonly SCHEDULER_SERVICE=applytrack-scheduler
readonly MIGRATE_JOB=applytrack-migrate
readonly REPLAY_JOB=applytrack-replay-dead-letters
readonly REENCRYPT_JOB=applytrack-reencrypt
readonly RUNTIME_SA_NAME=applytrack-run
readonly PUSH_SA_NAME=applytrack-push
readonly ARTIFACT_REPOSITORY=applytrack
readonly DEFAULT_SQL_INSTANCE=applytrack-db
readonly SQL_DATABASE=applytrack
readonly SQL_USER=applytrack
readonly DEFAULT_ACTIVE_KEY_ID=k1

# Environment variable (applytrack/settings.py) -> Secret Manager secret that holds its value.
declare -A SECRET_FOR_ENV=(
  [DATABASE_URL]=applytrack-database-url
  [APPLYTRACK_ENCRYPTION_KEYS]=applytrack-encryption-keys
  [APPLYTRACK_FINGERPRINT_KEY]=applytrack-fingerprint-key
  [APPLYTRACK_SECRET_KEY]=applytrack-secret-key
  [GOOGLE_OAUTH_CLIENT_ID]=applytrack-oauth-client-id
  [GOOGLE_OAUTH_CLIENT_SECRET]=applytrack-oauth-client-secret
  [METRICS_TOKEN]=applytrack-metrics-token
)
readonly SECRET_ENV_ORDER=(DATABASE_URL APPLYTRACK_ENCRYPTION_KEYS APPLYTRACK_FINGERPRINT_KEY
  APPLYTRACK_SECRET_KEY GOOGLE_OAUTH_CLIENT_ID GOOGLE_OAUTH_CLIENT_SECRET METRICS_TOKEN)

# --- Options ---------------------------------------------------------------------------------------
# Every script takes these; each step adds its own (STEP_OPTIONS), and deploy.sh forwards to a
# step only the options that step takes.
readonly COMMON_OPTIONS="project region project-number"
declare -A STEP_OPTIONS=(
  [apis]=""
  [image]="image"
  [secrets]="encryption-keys-file fingerprint-key-file secret-key-file oauth-client-id-file oauth-client-secret-file metrics-token-file active-key-id"
  [database]="sql-instance sql-tier"
  [gmail-topic]=""
  [internal-queue]=""
  [push-subscription]="webhook-url"
  [iam]=""
  [migrate]="image sql-instance active-key-id webhook-url extra-env-vars"
  [services]="image sql-instance active-key-id webhook-url extra-env-vars worker-min-instances worker-max-instances web-max-instances"
  [replay-dead-letters]="image sql-instance active-key-id webhook-url extra-env-vars max-messages"
  [reencrypt]="image sql-instance active-key-id webhook-url extra-env-vars"
  [rotate-encryption-key]="new-key-id new-key-file activate-key-id"
  [deploy]="skip-build"
)
declare -A OPTION_HELP=(
  [project]="ID       Google Cloud project id (required)"
  [region]="REGION    region for Cloud Run, Cloud SQL and Artifact Registry, e.g. europe-west1 (required)"
  [project-number]="N  the project's number (looked up with gcloud when not given)"
  [image]="IMAGE      container image (default: REGION-docker.pkg.dev/PROJECT/applytrack/applytrack:latest)"
  [encryption-keys-file]="FILE  APPLYTRACK_ENCRYPTION_KEYS (KEY_ID:BASE64,...) instead of a generated key"
  [fingerprint-key-file]="FILE  APPLYTRACK_FINGERPRINT_KEY (base64, 32 bytes) instead of a generated key"
  [secret-key-file]="FILE  APPLYTRACK_SECRET_KEY instead of a generated one"
  [oauth-client-id-file]="FILE  GOOGLE_OAUTH_CLIENT_ID (needed the first time)"
  [oauth-client-secret-file]="FILE  GOOGLE_OAUTH_CLIENT_SECRET (needed the first time)"
  [metrics-token-file]="FILE  METRICS_TOKEN, the web /metrics scrape token (16+ characters) instead of a generated one"
  [active-key-id]="ID  APPLYTRACK_ACTIVE_KEY_ID, the key id new rows are encrypted with (default: k1)"
  [sql-instance]="NAME  Cloud SQL instance (default: applytrack-db)"
  [sql-tier]="TIER  Cloud SQL machine tier (default: db-custom-1-3840)"
  [webhook-url]="URL  public HTTPS URL of the web service or of its /pubsub/gmail endpoint (default: the service's run.app URL)"
  [extra-env-vars]="K=V,...  more settings for every process, e.g. FREE_POLL_INTERVAL_SECONDS=600"
  [worker-min-instances]="N  workers always running (default: 1)"
  [worker-max-instances]="N  most workers Cloud Run may start (default: 10)"
  [web-max-instances]="N  most web instances (default: 20)"
  [max-messages]="N  most dead letters to replay in one run (default: 1000)"
  [new-key-id]="ID  phase 1: add a key with this id and roll it out (old key stays active)"
  [new-key-file]="FILE  the new key (base64, 32 bytes) instead of a generated one"
  [activate-key-id]="ID  phase 2: make ID the key new rows are encrypted with"
  [skip-build]="     deploy --image as it is, without building it"
)
readonly FLAG_OPTIONS="dry-run skip-build"

DRY_RUN=0
declare -A OPT=()
PROJECT=""
REGION=""
PROJECT_NUMBER=""
WEBHOOK_URL=""
SCRIPT_NAME=${0##*/}

die() {
  printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2
  exit 1
}

note() {
  printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2
}

step_options() {
  printf '%s %s' "$COMMON_OPTIONS" "${STEP_OPTIONS[$STEP]}"
}

usage() {
  local name
  printf 'Usage: %s --project ID --region REGION [--dry-run] [options]\n\n%s\n\nOptions:\n' \
    "$SCRIPT_NAME" "$STEP_SUMMARY"
  for name in $(step_options) dry-run; do
    if [[ $name == dry-run ]]; then
      printf '  --dry-run      print every gcloud command (prefixed "+ ") instead of running it\n'
    else
      printf '  --%s %s\n' "$name" "${OPTION_HELP[$name]}"
    fi
  done
}

usage_error() {
  printf '%s: %s\nRun %s --help for the options.\n' "$SCRIPT_NAME" "$*" "$SCRIPT_NAME" >&2
  exit 2
}

takes_option() {
  local name
  for name in $(step_options) $FLAG_OPTIONS; do
    [[ $name == "$1" ]] && return 0
  done
  return 1
}

is_flag() {
  [[ " $FLAG_OPTIONS " == *" $1 "* ]]
}

# parse_options "$@": fills OPT, PROJECT, REGION and DRY_RUN, and checks gcloud unless dry-running.
parse_options() {
  local name value
  while (($# > 0)); do
    case $1 in
      -h | --help)
        usage
        exit 0
        ;;
      --*=*)
        name=${1%%=*}
        name=${name#--}
        value=${1#*=}
        shift
        ;;
      --*)
        name=${1#--}
        shift
        if is_flag "$name"; then
          value=1
        else
          (($# > 0)) || usage_error "--$name needs a value."
          value=$1
          shift
        fi
        ;;
      *) usage_error "unexpected argument '$1'." ;;
    esac
    takes_option "$name" || usage_error "unknown option --$name."
    OPT[$name]=$value
  done
  [[ -n ${OPT[project]:-} ]] || usage_error "--project is required: name the Google Cloud project to deploy to."
  [[ -n ${OPT[region]:-} ]] || usage_error "--region is required: name the region to deploy to (e.g. europe-west1)."
  PROJECT=${OPT[project]}
  REGION=${OPT[region]}
  [[ $PROJECT =~ ^[a-z][a-z0-9-]{4,28}[a-z0-9]$ ]] ||
    usage_error "--project '$PROJECT' is not a project id (6-30 lowercase letters, digits and hyphens)."
  [[ $REGION =~ ^[a-z]+-[a-z]+[0-9]+$ ]] ||
    usage_error "--region '$REGION' is not a region name (like europe-west1)."
  if [[ -n ${OPT[project-number]:-} ]]; then
    [[ ${OPT[project-number]} =~ ^[0-9]+$ ]] ||
      usage_error "--project-number '${OPT[project-number]}' must be the project's number (digits only)."
  fi
  [[ ${OPT[dry-run]:-} == 1 ]] && DRY_RUN=1
  if ((DRY_RUN == 0)); then
    require_gcloud
  fi
}

# option NAME DEFAULT: the option's value, or DEFAULT.
option() {
  printf '%s' "${OPT[$1]:-$2}"
}

require_gcloud() {
  command -v gcloud >/dev/null 2>&1 ||
    die "gcloud is not installed: install the Google Cloud SDK (https://cloud.google.com/sdk/docs/install), or add --dry-run to only print the commands."
  local account
  account=$(gcloud auth list --filter=status:ACTIVE --format='value(account)' 2>/dev/null) || account=""
  [[ -n $account ]] ||
    die "gcloud is not logged in: run 'gcloud auth login' (or activate a service account), then try again."
}

# --- Running commands ------------------------------------------------------------------------------
quote_arg() {
  local safe='^[][A-Za-z0-9_./:=@,+%^-]+$'
  if [[ $1 =~ $safe ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

show_command() {
  local line="+" arg
  for arg in "$@"; do
    line+=" $(quote_arg "$arg")"
  done
  printf '%s\n' "$line"
}

# run CMD...: run a command, or print it in a dry run.
run() {
  if ((DRY_RUN)); then
    show_command "$@"
  else
    "$@"
  fi
}

# gc ARGS...: a gcloud command on our project, non-interactive.
gc() {
  run gcloud "$@" --project="$PROJECT" --quiet
}

# gc_retry ARGS...: like gc, retried a few times (IAM needs a moment to see a new service account).
gc_retry() {
  local attempt
  if ((DRY_RUN)); then
    gc "$@"
    return
  fi
  for attempt in 1 2 3 4 5; do
    gcloud "$@" --project="$PROJECT" --quiet >/dev/null && return 0
    note "attempt $attempt failed; trying again in $((attempt * 5)) s"
    sleep $((attempt * 5))
  done
  die "gave up after 5 attempts: gcloud $*"
}

# exists ARGS...: true when a gcloud describe finds the resource. A dry run shows the check and
# treats every resource as absent, so it prints everything a first deploy runs.
exists() {
  if ((DRY_RUN)); then
    show_command gcloud "$@" --project="$PROJECT" --quiet
    return 1
  fi
  local error
  if error=$(gcloud "$@" --project="$PROJECT" --quiet 2>&1 >/dev/null); then
    return 0
  fi
  case $error in
    *NOT_FOUND* | *"not found"* | *"does not exist"* | *404*) return 1 ;;
  esac
  die "could not check whether it exists (gcloud $*): $error"
}

# --- Names derived from the options ----------------------------------------------------------------
resolve_project_number() {
  if [[ -n ${OPT[project-number]:-} ]]; then
    PROJECT_NUMBER=${OPT[project-number]}
  elif ((DRY_RUN)); then
    show_command gcloud projects describe "$PROJECT" --format='value(projectNumber)'
    PROJECT_NUMBER=PROJECT_NUMBER
  else
    PROJECT_NUMBER=$(gcloud projects describe "$PROJECT" --format='value(projectNumber)') ||
      die "could not read the number of project $PROJECT: check the id and your access to it."
  fi
}

service_account_email() {
  printf '%s@%s.iam.gserviceaccount.com' "$1" "$PROJECT"
}

pubsub_service_agent() {
  printf 'serviceAccount:service-%s@gcp-sa-pubsub.iam.gserviceaccount.com' "$PROJECT_NUMBER"
}

default_image() {
  printf '%s-docker.pkg.dev/%s/%s/applytrack:latest' "$REGION" "$PROJECT" "$ARTIFACT_REPOSITORY"
}

image() {
  option image "$(default_image)"
}

sql_connection_name() {
  printf '%s:%s:%s' "$PROJECT" "$REGION" "$(option sql-instance "$DEFAULT_SQL_INSTANCE")"
}

# resolve_names: PROJECT_NUMBER and WEBHOOK_URL, set once here so that a bad value stops the script
# (a failure inside $(...) in a command's arguments would not).
resolve_names() {
  resolve_project_number
  resolve_webhook_url
}

# The push endpoint: --webhook-url (with /pubsub/gmail added when missing) or the web service's
# run.app address, which Cloud Run derives from the service name, project number and region.
resolve_webhook_url() {
  local url=${OPT[webhook-url]:-}
  if [[ -z $url ]]; then
    url="https://${WEB_SERVICE}-${PROJECT_NUMBER}.${REGION}.run.app"
  fi
  [[ $url =~ ^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/-]*)?$ ]] ||
    usage_error "--webhook-url '$url' must be an https:// URL (Pub/Sub pushes only to HTTPS)."
  url=${url%/}
  [[ $url == *"$WEBHOOK_PATH" ]] || url+=$WEBHOOK_PATH
  WEBHOOK_URL=$url
}

# --- What every process gets (applytrack/settings.py) ---------------------------------------------
runtime_env_vars() {
  local vars=(
    "APPLYTRACK_QUEUE=pubsub"
    "PUBSUB_PROJECT=$PROJECT"
    "APPLYTRACK_ACTIVE_KEY_ID=$(option active-key-id "$DEFAULT_ACTIVE_KEY_ID")"
    "GMAIL_PUBSUB_TOPIC=$GMAIL_TOPIC"
    "GMAIL_PUSH_SUBSCRIPTION=$GMAIL_PUSH_SUBSCRIPTION"
    "GMAIL_DEAD_LETTER_TOPIC=$GMAIL_DEAD_LETTER_TOPIC"
    "INTERNAL_PUBSUB_TOPIC=$INTERNAL_TOPIC"
    "INTERNAL_SUBSCRIPTION=$INTERNAL_SUBSCRIPTION"
    "INTERNAL_DEAD_LETTER_TOPIC=$INTERNAL_DEAD_LETTER_TOPIC"
    "GMAIL_PUSH_AUDIENCE=$WEBHOOK_URL"
    "GMAIL_PUSH_SERVICE_ACCOUNT=$(service_account_email "$PUSH_SA_NAME")"
  )
  local joined
  joined=$(IFS=,; printf '%s' "${vars[*]}")
  if [[ -n ${OPT[extra-env-vars]:-} ]]; then
    joined+=",${OPT[extra-env-vars]}"
  fi
  printf '%s' "$joined"
}

runtime_secrets() {
  local env_name pairs=()
  for env_name in "${SECRET_ENV_ORDER[@]}"; do
    pairs+=("$env_name=${SECRET_FOR_ENV[$env_name]}:latest")
  done
  (IFS=,; printf '%s' "${pairs[*]}")
}

# --- Service accounts and secrets ------------------------------------------------------------------
ensure_service_account() {
  local name=$1 display_name=$2
  if exists iam service-accounts describe "$(service_account_email "$name")"; then
    note "service account $name exists"
  else
    gc iam service-accounts create "$name" --display-name="$display_name"
  fi
}

random_key_base64() {
  head -c 32 /dev/urandom | base64 | tr -d '\n'
}

# A bearer token: 48 random bytes in base64 with its non-alphanumeric characters dropped
# (about 60 characters left; never fewer than 16).
random_token() {
  head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9'
}

# file_value FILE: the file's content without its trailing newlines (never shown).
file_value() {
  printf '%s' "$(<"$1")"
}

# create_secret NAME PRODUCER...: create a secret whose first version is what PRODUCER writes on
# stdout. The value goes through a pipe only: never into argv, never onto the screen.
create_secret() {
  local name=$1
  shift
  if ((DRY_RUN)); then
    show_command gcloud secrets create "$name" --replication-policy=automatic \
      --labels=app=applytrack --data-file=- --project="$PROJECT" --quiet
    return
  fi
  "$@" | gcloud secrets create "$name" --replication-policy=automatic \
    --labels=app=applytrack --data-file=- --project="$PROJECT" --quiet
}

# add_secret_version NAME PRODUCER...: like create_secret, for a secret that exists.
add_secret_version() {
  local name=$1
  shift
  if ((DRY_RUN)); then
    show_command gcloud secrets versions add "$name" --data-file=- --project="$PROJECT" --quiet
    return
  fi
  "$@" | gcloud secrets versions add "$name" --data-file=- --project="$PROJECT" --quiet >/dev/null
}

require_readable_file() {
  local option_name=$1 path=$2
  [[ -f $path && -r $path ]] || die "--$option_name '$path' is not a readable file."
}

# --- Pub/Sub ---------------------------------------------------------------------------------------
ensure_topic() {
  if exists pubsub topics describe "$1"; then
    note "topic $1 exists"
  else
    gc pubsub topics create "$1" --labels=app=applytrack
  fi
}

# ensure_hold_subscription TOPIC: the pull subscription that keeps a dead-letter topic's messages
# (a message published to a topic without subscriptions is gone), read by replay-dead-letters.
ensure_hold_subscription() {
  local topic=$1 hold=$1$HOLD_SUFFIX
  if exists pubsub subscriptions describe "$hold"; then
    note "subscription $hold exists"
  else
    gc pubsub subscriptions create "$hold" --topic="$topic" \
      --ack-deadline="$ACK_DEADLINE_SECONDS" --message-retention-duration="$DEAD_LETTER_RETENTION" \
      --expiration-period=never --labels=app=applytrack
  fi
}

# grant_dead_lettering TOPIC SUBSCRIPTION: Pub/Sub's service agent forwards undeliverable messages
# from SUBSCRIPTION to TOPIC; without both roles they are retried forever instead.
grant_dead_lettering() {
  local topic=$1 subscription=$2 agent
  agent=$(pubsub_service_agent)
  gc pubsub topics add-iam-policy-binding "$topic" --member="$agent" --role=roles/pubsub.publisher
  gc pubsub subscriptions add-iam-policy-binding "$subscription" \
    --member="$agent" --role=roles/pubsub.subscriber
}

# --- Cloud Run -------------------------------------------------------------------------------------
# Flags every process and job shares: image, identity, database socket, settings and secrets.
runtime_flags() {
  printf '%s\n' \
    "--image=$(image)" \
    "--region=$REGION" \
    "--service-account=$(service_account_email "$RUNTIME_SA_NAME")" \
    "--set-cloudsql-instances=$(sql_connection_name)" \
    "--set-env-vars=$(runtime_env_vars)" \
    "--set-secrets=$(runtime_secrets)"
}

# run_job NAME ARGS: create or update a Cloud Run job running `applytrack ARGS`, then run it and
# wait for the result (non-zero exit when the job fails).
run_job() {
  local name=$1 args=$2 flags
  mapfile -t flags < <(runtime_flags)
  gc run jobs deploy "$name" "${flags[@]}" --command=applytrack --args="$args" \
    --tasks=1 --max-retries=0 --task-timeout=900s --cpu=1 --memory=1Gi
  gc run jobs execute "$name" --region="$REGION" --wait
}
