#!/usr/bin/env bash
# store.sh - store figures: batched ingest rate into SQLite and PostgreSQL,
# query time for a day of one host at 1 Hz (raw) and for 1000 hosts over a
# day at the 1-minute roll-up. Builds the plain flavour first.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(scripts/build.sh plain)
bench=$dir/store_bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== $(date -u '+%F %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== SQLite (WAL, synchronous=NORMAL: durable against a killed writer, file in $tmp)"
$bench "sqlite:$tmp/a.db" ingest 2000000 100000 100
$bench "sqlite:$tmp/b.db" ingest 200000 1000 100
$bench "sqlite:$tmp/c.db" day1
$bench "sqlite:$tmp/d.db" hosts 1000
echo "== PostgreSQL 15 (throw-away server on a unix socket, fsync on)"
tests/pg/with-postgres.sh bash -c '
  '"$bench"' "postgres:$GEYSER_TEST_POSTGRES dbname=geyser_t1" ingest 1000000 100000 100
  '"$bench"' "postgres:$GEYSER_TEST_POSTGRES dbname=geyser_t2" day1
  '"$bench"' "postgres:$GEYSER_TEST_POSTGRES dbname=geyser_t3" hosts 1000'
