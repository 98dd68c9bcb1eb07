#!/usr/bin/env bash
# A recording stand-in for gcloud: logs every call, keeps what arrives on stdin, and answers
# describe as "exists" or "NOT_FOUND" depending on FAKE_GCLOUD_EXISTING (all or none).
set -euo pipefail
log_dir=${FAKE_GCLOUD_DIR:?}
count=$(($(cat "$log_dir/count" 2>/dev/null || printf 0) + 1))
printf '%s' "$count" >"$log_dir/count"
printf '%q ' "$@" >>"$log_dir/calls"
printf '\n' >>"$log_dir/calls"
args=" $* "
if [[ $args == *" auth list "* ]]; then
  [[ ${FAKE_GCLOUD_LOGGED_IN:-1} == 1 ]] && printf 'operator@example.com\n'
  exit 0
fi
if [[ $args == *" projects describe "* ]]; then
  printf '123456789012\n'
  exit 0
fi
if [[ $args == *" describe "* ]]; then
  if [[ ${FAKE_GCLOUD_EXISTING:-none} == all ]]; then
    [[ $args == *"--format=value(enableMessageOrdering)"* ]] && printf 'True\n'
    exit 0
  fi
  printf 'ERROR: (gcloud) NOT_FOUND: Resource not found\n' >&2
  exit 1
fi
if [[ $args == *" versions access "* ]]; then
  printf '%s' "${FAKE_GCLOUD_SECRET_VALUE:-}"
  exit 0
fi
for arg in "$@"; do
  case $arg in
    --data-file=-) cat >"$log_dir/stdin-$count" ;;
    --flags-file=*) cat "${arg#--flags-file=}" >"$log_dir/flags-$count" ;;
  esac
done
[[ $args == *" versions add "* ]] && printf 'projects/1/secrets/x/versions/2\n'
exit 0
