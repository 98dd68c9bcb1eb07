#!/usr/bin/env bash
# Step 5: the three processes of the Procfile as Cloud Run services, from one image:
#   applytrack-web        gunicorn (webhook + dashboard), public, scales on requests
#   applytrack-worker     applytrack worker, internal only, always-on CPU, min instances >= 1
#   applytrack-scheduler  applytrack scheduler, internal only, exactly one instance
# Worker and scheduler serve no requests; `with-health-port` (deploy/with_health_port.py, in the
# image) answers Cloud Run's health checks on $PORT while it runs them.
set -euo pipefail
DEPLOY_DIR=${BASH_SOURCE[0]%/*}
[[ $DEPLOY_DIR == "${BASH_SOURCE[0]}" ]] && DEPLOY_DIR=.
# shellcheck source=lib.sh
source "$DEPLOY_DIR/lib.sh"

STEP=services
STEP_SUMMARY="Deploys applytrack-web, applytrack-worker and applytrack-scheduler to Cloud Run."

main() {
  parse_options "$@"
  resolve_names
  local worker_min worker_max web_max flags
  worker_min=$(whole_number worker-min-instances 1)
  worker_max=$(whole_number worker-max-instances 10)
  web_max=$(whole_number web-max-instances 20)
  ((worker_min >= 1)) || usage_error "--worker-min-instances must be at least 1: nobody would consume the queue."
  ((worker_max >= worker_min)) || usage_error "--worker-max-instances must be at least --worker-min-instances."
  mapfile -t flags < <(runtime_flags)

  gc run deploy "$WEB_SERVICE" "${flags[@]}" \
    --command=gunicorn \
    --args='--workers=2,--threads=8,--graceful-timeout=30,applytrack.wsgi:create_wsgi_app()' \
    --port=8080 --cpu=1 --memory=1Gi --concurrency=16 \
    --min-instances=0 --max-instances="$web_max" --timeout=60s \
    --ingress=all --allow-unauthenticated

  gc run deploy "$WORKER_SERVICE" "${flags[@]}" \
    --command=with-health-port --args=applytrack,worker \
    --cpu=1 --memory=1Gi --no-cpu-throttling \
    --min-instances="$worker_min" --max-instances="$worker_max" \
    --ingress=internal --no-allow-unauthenticated

  # One scheduler: a second one would only enqueue duplicate (harmless, wasted) syncs.
  gc run deploy "$SCHEDULER_SERVICE" "${flags[@]}" \
    --command=with-health-port --args=applytrack,scheduler \
    --cpu=1 --memory=512Mi --no-cpu-throttling \
    --min-instances=1 --max-instances=1 \
    --ingress=internal --no-allow-unauthenticated
  note "webhook: $WEBHOOK_URL"
}

whole_number() {
  local value
  value=$(option "$1" "$2")
  [[ $value =~ ^[0-9]+$ ]] || usage_error "--$1 must be a whole number."
  printf '%s' "$value"
}

main "$@"
