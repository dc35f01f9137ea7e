#!/usr/bin/env bash
# services.sh start|stop — PostgreSQL (with PostGIS) and Redis for gridgov.
#
# start: uses DATABASE_URL / REDIS_URL when they point at live servers; otherwise starts a
#        project-local PostgreSQL cluster and Redis under var/ on loopback, and writes
#        var/env.sh with the URLs to use. Whatever it starts is recorded in var/started.
#        With GRIDGOV_PGBOUNCER=1 it also starts a project-local PgBouncer (Debian's, transaction
#        pooling) in front of that PostgreSQL and writes GRIDGOV_PGBOUNCER_URL to var/env.sh; serve
#        through it with DATABASE_URL=$GRIDGOV_PGBOUNCER_URL GRIDGOV_DB_TRANSACTION_POOLER=1.
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

pgbouncer_dir() {
  # Where the postgres user can write (PgBouncer refuses to run as root, as PostgreSQL does).
  if [ "$(id -u)" = 0 ]; then echo "/var/tmp/gridgov-pgbouncer-$(echo "$ROOT" | sha256sum | cut -c1-12)"; else echo "$ROOT/var/pgbouncer"; fi
}

start_pgbouncer() {
  [ "${GRIDGOV_PGBOUNCER:-0}" = 1 ] || return 0
  if [ ! -x /usr/sbin/pgbouncer ]; then
    say "GRIDGOV_PGBOUNCER=1, but PgBouncer is not installed: run make setup"; exit 1
  fi
  local dir url target port
  dir=$(pgbouncer_dir)
  mkdir -p "$dir"
  if [ -f "$dir/pgbouncer.pid" ] && kill -0 "$(cat "$dir/pgbouncer.pid")" 2>/dev/null; then
    port=$(cat "$dir/port")
  else
    url=$(sed -n "s/^export DATABASE_URL='\(.*\)'$/\1/p" var/env.sh.new)
    # host port user password dbname of the one server behind it (1.18 takes one host per database).
    target=$(.venv/bin/python - "$url" <<'PY'
import sys
from gridgov.dburl import parse
c = parse(sys.argv[1])
if "," in (c["HOST"] or ""):
    sys.exit("GRIDGOV_PGBOUNCER=1: DATABASE_URL names several hosts; PgBouncer 1.18 sits in front of one")
print(c["HOST"] or "127.0.0.1", c["PORT"] or 5432, c["USER"] or "postgres", c["PASSWORD"] or "")
PY
) || exit 1
    read -r t_host t_port t_user t_password <<<"$target"
    port=$(pick_port "${GRIDGOV_PGBOUNCER_PORT:-56432}")
    echo "$port" > "$dir/port"
    printf '"%s" ""\n' "$t_user" > "$dir/userlist.txt"
    cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=$t_host port=$t_port user=$t_user${t_password:+ password=$t_password}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = ${GRIDGOV_PGBOUNCER_POOL:-20}
max_client_conn = 1000
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
    chmod 600 "$dir/pgbouncer.ini"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
    as_pg "/usr/sbin/pgbouncer -d '$dir/pgbouncer.ini'"
    echo pgbouncer >> "$STARTED"
    say "Started PgBouncer (transaction pooling) on 127.0.0.1:$port"
  fi
  local name
  name=$(sed -n "s|^export DATABASE_URL='.*/\([^/?]*\)\(?.*\)\{0,1\}'$|\1|p" var/env.sh.new)
  echo "export GRIDGOV_PGBOUNCER_URL='postgis://$(sed -n 's/^"\([^"]*\)".*/\1/p' "$dir/userlist.txt")@127.0.0.1:$port/${name:-gridgov}'" >> var/env.sh.new
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
  if grep -qx pgbouncer "$STARTED"; then
    local pidfile; pidfile="$(pgbouncer_dir)/pgbouncer.pid"
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    say "Stopped the project-local PgBouncer"
  fi
  rm -f "$STARTED"
}

case "${1:-start}" in
  start)
    rm -f var/env.sh.new
    start_postgres
    start_redis
    start_pgbouncer
    mv var/env.sh.new var/env.sh
    ;;
  stop) stop_all ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
