#!/usr/bin/env bash
# with-postgres.sh - run a command against a throw-away PostgreSQL server:
#   tests/pg/with-postgres.sh COMMAND [ARGS...]
# Starts Debian's PostgreSQL 15 (initdb + postgres) in a temp dir, listening
# only on a unix socket there (no TCP port at all), creates databases
# geyser_t1..geyser_t8, exports GEYSER_TEST_POSTGRES (a libpq conninfo
# without dbname) and runs COMMAND. The server is stopped by its PID on
# every exit path. As root the server runs as the 'postgres' user (it
# refuses root). If the server cannot start this script fails loudly: a
# PostgreSQL test must never pass without PostgreSQL.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ $# -ge 1 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
[ -x "$PGBIN/postgres" ] || { echo "with-postgres: $PGBIN/postgres not found (apt-get install postgresql)" >&2; exit 1; }

dir=$(mktemp -d /tmp/geyser-pg-XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null || true # fast shutdown
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir"
  # setpriv execs (runuser would stay as the parent), so $! is the server.
  as=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  user=postgres
else
  as=()
  user=$(id -un)
fi
"${as[@]}" "$PGBIN/initdb" -D "$dir/data" -A trust -U "$user" --no-sync >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; echo "with-postgres: initdb failed" >&2; exit 1; }
# fsync stays on: the durability test must see what a real server does.
"${as[@]}" "$PGBIN/postgres" -D "$dir/data" -k "$dir" -c listen_addresses='' \
  -c max_connections=20 -c shared_buffers=64MB >"$dir/server.log" 2>&1 &
pid=$!
# Wait for the server by asking it, not by sleeping for a guessed time.
for _ in $(seq 600); do
  "$PGBIN/pg_isready" -q -h "$dir" -U "$user" && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; echo "with-postgres: the server exited" >&2; exit 1; }
  sleep 0.1
done
"$PGBIN/pg_isready" -q -h "$dir" -U "$user" || { cat "$dir/server.log" >&2; echo "with-postgres: the server did not come up" >&2; exit 1; }
for i in 1 2 3 4 5 6 7 8; do
  "$PGBIN/psql" -q -h "$dir" -U "$user" -d postgres -c "CREATE DATABASE geyser_t$i" >/dev/null
done
export GEYSER_TEST_POSTGRES="host=$dir user=$user"
"$@"
