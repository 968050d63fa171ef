#!/usr/bin/env bash
# Make sure PostgreSQL, Redis and Chromium are there for `make test`: start local servers
# that are installed but stopped; name what to install when something is missing.
set -uo pipefail

PGHOST_=${PGHOST:-127.0.0.1}
PGPORT_=${PGPORT:-5432}
REDIS_HOST_=${REDIS_HOST:-127.0.0.1}
REDIS_PORT_=${REDIS_PORT:-6379}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 30); do port_open "$1" "$2" && return 0; sleep 1; done
  return 1
}

missing=()

if ! port_open "$PGHOST_" "$PGPORT_"; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql >/dev/null 2>&1; then
    echo "PostgreSQL is not running; starting the local cluster."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    wait_port "$PGHOST_" "$PGPORT_" || missing+=("PostgreSQL (installed but would not start)")
  else
    missing+=("PostgreSQL server (Debian: apt-get install postgresql)")
  fi
fi

if ! port_open "$REDIS_HOST_" "$REDIS_PORT_"; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Redis is not running; starting a local one."
    mkdir -p /tmp/itsm-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT_" --save "" \
      --appendonly no --dir /tmp/itsm-redis --logfile /tmp/itsm-redis/redis.log || true
    wait_port "$REDIS_HOST_" "$REDIS_PORT_" || missing+=("Redis (installed but would not start)")
  else
    missing+=("Redis server (Debian: apt-get install redis-server)")
  fi
fi

if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  missing+=("Chromium for the browser tests (Debian: apt-get install chromium)")
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "make test needs these, which are missing or not running:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  exit 1
fi

# Tests connect as the postgres user with trust auth unless DATABASE_URL says otherwise.
exit 0
