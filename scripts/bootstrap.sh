#!/usr/bin/env bash
# Installs what gridgov needs on a Debian/Ubuntu machine, idempotently:
# Debian packages (PostgreSQL + PostGIS, GDAL, Redis, gettext, PgBouncer; Chromium with --browser),
# then the virtual environment from requirements.lock.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

say() { printf '\033[1m[gridgov]\033[0m %s\n' "$*"; }

missing=()
need_pkg() { dpkg -s "$1" >/dev/null 2>&1 || missing+=("$1"); }

pg_version() {
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$v" ]; then
    v=$(apt-cache depends postgresql 2>/dev/null | sed -n 's/.*Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n 1)
  fi
  echo "${v:-15}"
}

install_missing() {
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      SUDO=sudo
    else
      say "These Debian packages are missing: ${missing[*]}"
      say "Run this command as root (or install them with: sudo apt-get install ${missing[*]}) and try again."
      exit 1
    fi
  else
    SUDO=
  fi
  say "Installing Debian packages: ${missing[*]}"
  if [ ! -f var/.apt-updated ] || [ -n "$(find var/.apt-updated -mmin +1440 2>/dev/null)" ]; then
    $SUDO apt-get update -qq
    mkdir -p var && touch var/.apt-updated
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  missing=()
}

mkdir -p var/staticfiles var/media
PG=$(pg_version)
need_pkg "postgresql-$PG"
install_missing
PG=$(pg_version)
need_pkg "postgresql-$PG-postgis-3"
need_pkg gdal-bin
need_pkg libgdal-dev
need_pkg redis-server
need_pkg gettext
# PgBouncer, for transaction pooling in front of the primary (docs/scaling.md, "PgBouncer"): the
# scale tests start one of their own, scripts/services.sh one with GRIDGOV_PGBOUNCER=1. On a machine
# with systemd, Debian's package also enables its own service on localhost:6432; ours never uses it.
need_pkg pgbouncer
# `ip netns`: the scale test that runs Celery workers on hosts of its own (network namespaces).
need_pkg iproute2
if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then need_pkg python3-venv; fi
if [ $want_browser = 1 ]; then
  need_pkg chromium
  need_pkg fonts-noto-cjk
fi
install_missing

if [ ! -x .venv/bin/python ]; then
  say "Creating the virtual environment in .venv"
  python3 -m venv .venv
fi
# The stamp lives in the environment itself, so a new or replaced .venv always gets its packages.
stamp=.venv/.requirements.sha
sum=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  say "Installing Python packages from requirements.lock"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -r requirements.lock
  echo "$sum" > "$stamp"
fi
# Translations are compiled here, not committed, so they always match the .po files.
.venv/bin/python manage.py compilemessages -v 0 --ignore '.venv/*' --ignore 'var/*'
