#!/usr/bin/env bash
# make run: set up, migrate, seed the demo district once, start Celery worker and beat, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/services.sh start
# shellcheck disable=SC1091
source var/env.sh
# The demo is shown to people who are not developers: no DEBUG (no tracebacks, no list of URL
# patterns on a 404). Developers who want Django's technical pages: GRIDGOV_DEBUG=1 make run.
export GRIDGOV_DEBUG="${GRIDGOV_DEBUG:-0}"
PY=.venv/bin/python
say() { printf '\033[1m[gridgov]\033[0m %s\n' "$*"; }

$PY manage.py migrate --noinput -v 0
$PY manage.py seed_demo
mkdir -p var/log
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash scripts/services.sh stop
}
trap cleanup EXIT INT TERM
.venv/bin/celery -A gridgov worker -l info --concurrency 2 >var/log/worker.log 2>&1 & pids+=($!)
.venv/bin/celery -A gridgov beat -l info -s var/celerybeat-schedule >var/log/beat.log 2>&1 & pids+=($!)
say "Celery worker and beat started (logs in var/log/)"
cat <<TXT

  gridgov is running at http://127.0.0.1:8000/

  Demo accounts (password for all: gridgov-demo — demo data only, refused in production):
    admin        GIS administrator (and Django admin at /admin/)
    gridworker   grid worker of two cells in 东华门街道
    community    community staff
    street       street-office staff
    dispatcher   command-centre dispatcher
    department   department handler (市政)
    leader       leader (read-only dashboards)
    volunteer    volunteer of the first community (manage.py seed_emergency hands him tasks)

  Stop with Ctrl-C.
TXT
$PY manage.py runserver 127.0.0.1:8000 --noreload
