#!/usr/bin/env bash
# services.sh start|stop — PostgreSQL (with PostGIS) and Redis for gridgov.
#
# start: uses DATABASE_URL / REDIS_URL when they point at live servers; otherwise starts a
#        project-local PostgreSQL cluster and Redis under var/ on loopback, and writes
#        var/env.sh with the URLs to use. Whatever it starts is recorded in var/started.
# stop:  stops only what `start` recorded as started by this project.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
mkdir -p var
say() { printf '\033[1m[gridgov]\033[0m %s\n' "$*"; }

PGBIN=/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -V | tail -n 1)/bin
STARTED=var/started

as_pg() {
  # PostgreSQL refuses to run as root: run its commands as the postgres user then.
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  local port=$1
  while ! port_free "$port"; do port=$((port + 1)); done
  echo "$port"
}

pg_datadir() {
  # The cluster lives in var/pg unless the postgres user cannot reach this checkout
  # (a clone inside a mkdir -m 700 folder): then beside it in /var/tmp, linked from var/pg.
  if [ -L var/pg ] || [ -d var/pg ]; then readlink -f var/pg; return; fi
  if [ "$(id -u)" = 0 ] && ! su postgres -s /bin/bash -c "test -x '$ROOT/var'" 2>/dev/null; then
    local dir=/var/tmp/gridgov-pg-$(echo "$ROOT" | sha256sum | cut -c1-12)
    mkdir -p "$dir"
    ln -sfn "$dir" var/pg
    echo "$dir"
  else
    mkdir -p var/pg
    readlink -f var/pg
  fi
}

start_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    if .venv/bin/python - "$DATABASE_URL" <<'PY' >/dev/null 2>&1
import sys, psycopg
from gridgov.dburl import parse  # several hosts (a primary and its standby) too
c = parse(sys.argv[1])
psycopg.connect(host=c["HOST"] or None, port=c["PORT"] or None, user=c["USER"] or None,
                password=c["PASSWORD"] or None, dbname=c["NAME"], **{"connect_timeout": 3, **c.get("OPTIONS", {})}).close()
PY
    then
      say "Using PostgreSQL at DATABASE_URL"
      echo "export DATABASE_URL='$DATABASE_URL'" >> var/env.sh.new
      return
    fi
    say "DATABASE_URL does not answer; starting a project-local PostgreSQL instead"
  fi
  local dir port
  dir=$(pg_datadir)
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    say "Creating a PostgreSQL cluster in $dir"
    as_pg "'$PGBIN/initdb' -D '$dir/data' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >'$dir/initdb.log' 2>&1"
  fi
  if as_pg "'$PGBIN/pg_ctl' -D '$dir/data' status" >/dev/null 2>&1; then
    port=$(cat "$dir/port")
  else
    port=$(pick_port "${GRIDGOV_PG_PORT:-55432}")
    echo "$port" > "$dir/port"
    mkdir -p "$dir/run"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/run" "$dir/port"
    as_pg "'$PGBIN/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 start -o \"-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir/run' -c fsync=off -c max_connections=200 -c shared_buffers=1GB -c max_wal_size=4GB -c jit=off\"" >/dev/null
    echo postgres >> "$STARTED"
    say "Started PostgreSQL on 127.0.0.1:$port"
  fi
  if ! as_pg "'$PGBIN/psql' -h 127.0.0.1 -p $port -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='gridgov'\"" | grep -q 1; then
    as_pg "'$PGBIN/createdb' -h 127.0.0.1 -p $port -U postgres gridgov"
  fi
  as_pg "'$PGBIN/psql' -h 127.0.0.1 -p $port -U postgres -d gridgov -qc 'CREATE EXTENSION IF NOT EXISTS postgis'" >/dev/null
  echo "export DATABASE_URL='postgis://postgres@127.0.0.1:$port/gridgov'" >> var/env.sh.new
}

start_redis() {
  if [ -n "${REDIS_URL:-}" ] && redis-cli -u "$REDIS_URL" ping 2>/dev/null | grep -q PONG; then
    say "Using Redis at REDIS_URL"
    echo "export REDIS_URL='$REDIS_URL'" >> var/env.sh.new
    return
  fi
  mkdir -p var/redis
  local port
  if [ -f var/redis/redis.pid ] && kill -0 "$(cat var/redis/redis.pid)" 2>/dev/null; then
    port=$(cat var/redis/port)
  else
    port=$(pick_port "${GRIDGOV_REDIS_PORT:-56379}")
    echo "$port" > var/redis/port
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$ROOT/var/redis" \
      --pidfile "$ROOT/var/redis/redis.pid" --logfile "$ROOT/var/redis/redis.log" --save "" --appendonly no
    for _ in $(seq 50); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
    echo redis >> "$STARTED"
    say "Started Redis on 127.0.0.1:$port"
  fi
  echo "export REDIS_URL='redis://127.0.0.1:$port/0'" >> var/env.sh.new
}

stop_all() {
  [ -f "$STARTED" ] || return 0
  if grep -qx postgres "$STARTED" && [ -e var/pg ]; then
    local dir; dir=$(readlink -f var/pg)
    as_pg "'$PGBIN/pg_ctl' -D '$dir/data' -m fast -w stop" >/dev/null 2>&1 || true
    say "Stopped the project-local PostgreSQL"
  fi
  if grep -qx redis "$STARTED" && [ -f var/redis/redis.pid ]; then
    kill "$(cat var/redis/redis.pid)" 2>/dev/null || true
    say "Stopped the project-local Redis"
  fi
  rm -f "$STARTED"
}

case "${1:-start}" in
  start)
    rm -f var/env.sh.new
    start_postgres
    start_redis
    mv var/env.sh.new var/env.sh
    ;;
  stop) stop_all ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
