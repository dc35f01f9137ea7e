#!/usr/bin/env bash
# make bench SCALE=small|city — generate the benchmark data set (once per scale) in a database of
# its own, gridgov_bench (BENCH_DB=name for another, e.g. when several checkouts share one
# PostgreSQL), and measure. The development database is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-small}
shift || true  # the rest goes to bench/run.py (--only WORD, --generate-only, --seconds N)
case "$SCALE" in small|city|tiny) ;; *) echo "usage: $0 small|city" >&2; exit 2 ;; esac
say() { printf '\033[1m[gridgov]\033[0m %s\n' "$*"; }

[ -x .venv/bin/python ] || bash scripts/bootstrap.sh
bash scripts/services.sh start
# shellcheck disable=SC1091
source var/env.sh
if ! command -v wrk >/dev/null; then
  say "Installing wrk (the load generator) from Debian"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
  else sudo apt-get install -y -q wrk >/dev/null; fi
fi

# The benchmark database: same server, its own name, PostGIS enabled.
BENCH_DB=${BENCH_DB:-gridgov_bench}
case "$BENCH_DB" in *[!a-z0-9_]*|"") echo "BENCH_DB: lower-case letters, digits and _ only" >&2; exit 2 ;; esac
BENCH_URL=$(.venv/bin/python - "$DATABASE_URL" "$BENCH_DB" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit
parts = urlsplit(sys.argv[1])
print(urlunsplit(parts._replace(path="/" + sys.argv[2])))
PY
)
.venv/bin/python - "$DATABASE_URL" "$SCALE" "$BENCH_DB" <<'PY'
import sys, dj_database_url, psycopg
c = dj_database_url.parse(sys.argv[1])
scale, name = sys.argv[2], sys.argv[3]
args = dict(host=c["HOST"] or None, port=c["PORT"] or None, user=c["USER"] or None, password=c["PASSWORD"] or None)
with psycopg.connect(dbname="postgres", autocommit=True, **args) as admin:
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists:
        # Another scale's data set (or a half-made one) is dropped: generation starts clean.
        with psycopg.connect(dbname=name, autocommit=True, **args) as bench:
            row = bench.execute("SELECT to_regclass('bench_meta')").fetchone()[0] and \
                  bench.execute("SELECT value FROM bench_meta WHERE key = 'scale'").fetchone()
        if not row or row[0] != scale:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
    if not exists:
        admin.execute(f'CREATE DATABASE "{name}"')
with psycopg.connect(dbname=name, autocommit=True, **args) as bench:
    bench.execute("CREATE EXTENSION IF NOT EXISTS postgis")
PY
export DATABASE_URL="$BENCH_URL" DJANGO_SETTINGS_MODULE=bench.settings
say "Benchmark database: $BENCH_DB (scale $SCALE)"
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python bench/run.py "$SCALE" "$@"
# Emergencies at city scale (issue 17's figures): 50,000 households, a 1,000,000-task campaign and
# the overdue sweeps, in a database of its own (<bench database>_bench_emergency).
# Not when only some measurements, or none, were asked for (make bench-day, --only WORD, --generate-only).
if [ "$SCALE" = city ] && [[ " $* " != *" --only "* && " $* " != *" --generate-only "* ]]; then
  say "Emergencies: declare, issue, dashboard, task list, outcome, sweeps (bench/emergency_bench.py)"
  .venv/bin/python bench/emergency_bench.py
fi
