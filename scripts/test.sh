#!/usr/bin/env bash
# make test: set up (Chromium included), start services, run the whole suite in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --browser
started_before=$( [ -f var/started ] && cat var/started || true )
bash scripts/services.sh start
# shellcheck disable=SC1091
source var/env.sh
if [ -z "$started_before" ]; then trap 'bash scripts/services.sh stop' EXIT; fi
export DJANGO_SETTINGS_MODULE=gridgov.settings
# Live-server threads must not keep connections open past a test, or the test database cannot be dropped.
export GRIDGOV_DB_CONN_MAX_AGE=0
workers=${GRIDGOV_TEST_WORKERS:-2}
set +e
.venv/bin/python -m pytest -n "$workers" --dist loadgroup "$@"
status=$?
set -e
if [ $status -eq 5 ]; then
  echo "[gridgov] pytest collected no tests: the suite is missing, which counts as a failure." >&2
  exit 1
fi
exit $status
