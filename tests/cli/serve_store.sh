#!/usr/bin/env bash
# geyser serve --store: the embedded simulated cloud records each tick into
# SQLite (and, briefly, into a real PostgreSQL): every host's power, the
# utilization of hosts that are on, VMs' utilization and attributed energy,
# events, and each host's server type; `geyser fit --store --estimated`
# then gives back the idle and peak power of the built-in catalogue's
# types, as `--csv` would (same JSON shape). Bad store URIs are refused
# before the daemon listens.
source "$(dirname "$0")/lib.bash"
HERE=$(cd "$(dirname "$0")" && pwd)
db=$TMP/serve.db

"$GEYSER" serve --listen 127.0.0.1:0 --store "sqlite:$db" --run-for 3 --tick-ms 200 2>"$TMP/err" ||
  fail "serve --store failed: $(cat "$TMP/err")"
q() { sqlite3 -separator '|' "$db" "$1"; }
hosts=$(q "SELECT count(*) FROM host_info")
ticks=$(q "SELECT count(DISTINCT t) FROM power")
[ "$hosts" -gt 0 ] && [ "$ticks" -ge 5 ] && pass || fail "hosts $hosts, ticks $ticks"
[ "$(q "SELECT count(*) FROM power")" -eq $((hosts * ticks)) ] && pass || fail "not one power sample per host and tick"
[ "$(q "SELECT count(*) FROM host_info WHERE server_type IS NULL")" = 0 ] && pass || fail "a host without its server type"
[ "$(q "SELECT DISTINCT driver || source FROM meter_info")" = "sim1" ] && pass || fail "meter metadata: $(q "SELECT * FROM meter_info LIMIT 3")"
[ "$(q "SELECT count(*) FROM power WHERE source != 1")" = 0 ] && pass || fail "simulated power must be labelled estimated"
[ "$(q "SELECT count(*) FROM host_util")" -gt 0 ] && pass || fail "no host utilization"
[ "$(q "SELECT count(*) FROM vm_util WHERE util < 0 OR util > 1 OR vcpus < 1")" = 0 ] && [ "$(q "SELECT count(*) FROM vm_util")" -gt 0 ] &&
  pass || fail "VM utilization rows"
[ "$(q "SELECT sum(joules) > 0 FROM vm_energy")" = 1 ] && pass || fail "no attributed energy"
# Attributed energy never exceeds what the hosts drew (the rest is overhead).
python3 - "$db" <<'PY' && pass || fail "attributed energy above the hosts' energy"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
vm = c.execute("SELECT sum(joules) FROM vm_energy").fetchone()[0]
hosts = c.execute("SELECT sum(joules) FROM power").fetchone()[0]
sys.exit(0 if 0 < vm <= hosts * 1.001 + 1e-6 else 1)
PY
[ "$(q "SELECT count(*) FROM events WHERE kind = 'migration' AND host IS NOT NULL AND vm IS NOT NULL")" -gt 0 ] &&
  pass || fail "no migration events: $(q "SELECT kind, count(*) FROM events GROUP BY kind")"

# The fit gives the catalogue back: compare with the built-in catalogue's u0 and u100.
"$GEYSER" fit --store "sqlite:$db" --estimated --json >"$TMP/fit.json" 2>"$TMP/err" || fail "fit --store: $(cat "$TMP/err")"
expect_json "$TMP/fit.json" 'length >= 1 and all(.[]; has("model") and has("idle_w") and has("max_w") and has("r") and has("rmse") and has("n"))' "fit --store prints the --csv objects"
type=HpProLiantMl110G4Xeon3040
idle=$(awk -F, -v t=$type '$1 == t { print $7 }' "${GEYSER_SOURCE_DIR:-$HERE/../..}/data/server-types.csv")
expect_json "$TMP/fit.json" ".[] | select(.server_type == \"$type\") | (.idle_w - $idle | fabs) < 1.5 and .r > 0.99" "$type idle power recovered from the record"
"$GEYSER" fit --store "sqlite:$db" --json >/dev/null 2>"$TMP/err" && fail "estimated samples fitted without --estimated" ||
  { grep -q "estimated samples left out" "$TMP/err" && pass || fail "no reason given: $(cat "$TMP/err")"; }
"$GEYSER" fit --store "sqlite:$db" --estimated --out "$TMP/types.csv" >/dev/null 2>&1 &&
  grep -q "^$type," "$TMP/types.csv" && grep -q "fitted by geyser fit from sqlite:" "$TMP/types.csv" && pass || fail "model file from --store"

expect_fail 1 "cannot open store sqlite:/nonexistent-dir/x.db" "bad store" -- serve --listen 127.0.0.1:0 --store sqlite:/nonexistent-dir/x.db --run-for 1

# PostgreSQL: the same record, counted.
out=$(bash "$HERE/../pg/with-postgres.sh" bash -c '
  "$0" serve --listen 127.0.0.1:0 --store "postgres:$GEYSER_TEST_POSTGRES dbname=geyser_t1" --run-for 2 --tick-ms 200 2>/dev/null || exit 1
  psql -X -At "$GEYSER_TEST_POSTGRES dbname=geyser_t1" -c "SELECT (SELECT count(*) FROM power) > 0 AND (SELECT count(*) FROM vm_energy) > 0 AND (SELECT count(*) FROM host_info) > 0"' "$GEYSER" 2>&1)
[ "$out" = t ] && pass || fail "serve --store postgres: $out"
finish
