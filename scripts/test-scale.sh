#!/usr/bin/env bash
# make test-scale: the scale tests that start PostgreSQL clusters and servers of their own
# (tests/scale, marked scale_slow): the standby's reads, failover, Celery on two hosts. A few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
started_before=$( [ -f var/started ] && cat var/started || true )
bash scripts/services.sh start
# shellcheck disable=SC1091
source var/env.sh
if [ -z "$started_before" ]; then trap 'bash scripts/services.sh stop' EXIT; fi
export DJANGO_SETTINGS_MODULE=gridgov.settings
export GRIDGOV_DB_CONN_MAX_AGE=0
# One process: every test starts clusters and gunicorns of its own, which is the load.
.venv/bin/python -m pytest tests/scale -m scale --scale-slow "$@"
