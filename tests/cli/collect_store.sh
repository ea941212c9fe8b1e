#!/usr/bin/env bash
# geyser collect --store (agent mode) into SQLite, then the same checks
# against a real PostgreSQL (tests/pg/with-postgres.sh): samples of a fake
# hwmon tree, a fake RAPL tree and an exec meter are read back from the
# store; host utilization from a fake /proc/stat whose counters an exec
# meter advances (30 % busy at every read, so the expected value does not
# depend on timing); per-VM utilization from libvirt's test:///default; the
# host's server type and its meters' drivers; a kill -9 of the collector
# loses none of the samples it printed as committed; bad store URIs and an
# unreachable PostgreSQL give clear errors.
source "$(dirname "$0")/lib.bash"
HERE=$(cd "$(dirname "$0")" && pwd)

# Fixtures: the trees and the meter file.
mkdir -p "$TMP/hwmon/hwmon0" "$TMP/rapl/intel-rapl:0" "$TMP/proc"
echo acpi_power_meter >"$TMP/hwmon/hwmon0/name"
echo 245500000 >"$TMP/hwmon/hwmon0/power1_input"
echo package-0 >"$TMP/rapl/intel-rapl:0/name"
echo 262143328850 >"$TMP/rapl/intel-rapl:0/max_energy_range_uj"
# The RAPL counter grows by 2 J at each read of the exec meter, the stat
# counters by 30 busy and 70 idle ticks.
echo 0 >"$TMP/n"
cat >"$TMP/advance.sh" <<SH
n=\$((\$(cat "$TMP/n") + 1)); echo \$n >"$TMP/n"
echo "cpu  \$((n * 30)) 0 0 \$((n * 70)) 0 0 0 0 0 0" >"$TMP/proc/stat.tmp"; mv "$TMP/proc/stat.tmp" "$TMP/proc/stat"
echo 150
SH
sh "$TMP/advance.sh" >/dev/null
echo 5000000 >"$TMP/rapl/intel-rapl:0/energy_uj"

write_ini() { # URI FILE
  cat >"$2" <<INI
[store]
store = $1
host = node1
server_type = HpProLiantMl110G5Xeon3075

[meter "bmc"]
driver = hwmon
root = $TMP/hwmon
host = node1
interval = 0.2

[meter "cpu"]
driver = rapl
root = $TMP/rapl
host = node1
interval = 0.2

[meter "load"]
driver = exec
command = sh $TMP/advance.sh
host = node1
interval = 0.2
INI
}

# q URI SQL: rows as host|...; the backend's own client.
q() {
  case $1 in
  sqlite:*) sqlite3 -separator '|' "${1#sqlite:}" "$2" ;;
  *) psql -X -q -At -F'|' "${1#postgres:}" -c "$2" ;;
  esac
}

# committed_in_store LOG URI: every sample the log printed as committed is a
# row of the store (host, meter, time to the microsecond).
committed_in_store() {
  jq -r 'select(.type == "sample" and .committed) | "\(.host)|\(.meter)|\(.time)"' "$1" >"$TMP/acked"
  q "$2" "SELECT s.host, s.meter, p.t * 1000 FROM power p JOIN series s ON s.id = p.series" >"$TMP/stored"
  # Times are doubles printed by jq and by the database client (sqlite3
  # prints 15 digits, hence milliseconds): equal to within 20 us, not digit
  # for digit; samples of a series are at least 20 ms apart.
  python3 - "$TMP/acked" "$TMP/stored" >"$TMP/missing" <<'PY'
import bisect, sys
stored = {}
for line in open(sys.argv[2]):
    h, m, t = line.rstrip("\n").rsplit("|", 2)
    stored.setdefault((h, m), []).append(float(t) / 1000)
for v in stored.values():
    v.sort()
for line in open(sys.argv[1]):
    h, m, t = line.rstrip("\n").rsplit("|", 2)
    t, ts = float(t), stored.get((h, m), [])
    i = bisect.bisect_left(ts, t - 2e-5)
    if i == len(ts) or ts[i] > t + 2e-5:
        print(line, end="")
PY
  [ -s "$TMP/acked" ] && [ ! -s "$TMP/missing" ]
}

suite() { # URI (a fresh store) KILLURI (another)
  local uri=$1 kuri=$2
  write_ini "$uri" "$TMP/m.ini"
  "$GEYSER" collect --config "$TMP/m.ini" --proc "$TMP/proc" --count 4 --flush 0.1 --json >"$TMP/c.json" 2>"$TMP/err" ||
    fail "$uri: collect failed: $(cat "$TMP/err")"
  jq -s . "$TMP/c.json" >"$TMP/c.all"
  expect_json "$TMP/c.all" '[.[] | select(.type == "commit")] | length >= 1' "$uri: commit lines"
  committed_in_store "$TMP/c.json" "$uri" && pass || fail "$uri: committed samples missing from the store: $(head -3 "$TMP/missing")"
  [ "$(q "$uri" "SELECT watts FROM power p JOIN series s ON s.id = p.series WHERE s.meter = 'bmc/hwmon0/power1' LIMIT 1")" = 245.5 ] &&
    pass || fail "$uri: hwmon watts not stored"
  [ "$(q "$uri" "SELECT count(*) FROM power p JOIN series s ON s.id = p.series WHERE s.meter = 'load' AND watts = 150")" -ge 4 ] &&
    pass || fail "$uri: exec samples not stored"
  # RAPL: 2 J per advance, but reads race the advances: a positive power
  # from the second read on is what can be asserted.
  [ "$(q "$uri" "SELECT count(*) FROM series WHERE meter = 'cpu/intel-rapl:0/package-0'")" = 1 ] &&
    pass || fail "$uri: no RAPL series"
  [ "$(q "$uri" "SELECT count(*) FROM host_util WHERE host = 'node1'")" -ge 2 ] && pass || fail "$uri: host utilization missing"
  [ "$(q "$uri" "SELECT count(*) FROM host_util WHERE host = 'node1' AND abs(util - 0.3) > 1e-9")" = 0 ] &&
    pass || fail "$uri: host utilization is not 0.3: $(q "$uri" "SELECT util FROM host_util")"
  [ "$(q "$uri" "SELECT server_type FROM host_info WHERE host = 'node1'")" = HpProLiantMl110G5Xeon3075 ] &&
    pass || fail "$uri: server type not recorded"
  [ "$(q "$uri" "SELECT meter || ':' || driver FROM meter_info ORDER BY meter" | tr '\n' ' ')" = "bmc:hwmon cpu:rapl load:exec " ] &&
    pass || fail "$uri: meter metadata: $(q "$uri" "SELECT * FROM meter_info")"

  # libvirt's test driver: one running VM ("test", 2 vCPUs).
  "$GEYSER" collect --store "$uri" --host node1 --libvirt test:///default --count 3 --json >"$TMP/v.json" 2>"$TMP/err" ||
    fail "$uri: collect --libvirt failed: $(cat "$TMP/err")"
  [ "$(q "$uri" "SELECT count(*) FROM vm_util WHERE vm = 'test' AND host = 'node1' AND vcpus = 2 AND util >= 0 AND util <= 1")" -ge 1 ] &&
    pass || fail "$uri: VM utilization missing: $(q "$uri" "SELECT * FROM vm_util")"

  # kill -9 in mid-stream: every sample printed as committed is there.
  write_ini "$kuri" "$TMP/k.ini"
  sed -i "s/interval = 0.2/interval = 0.02\ntimeout = 2/" "$TMP/k.ini"
  "$GEYSER" collect --config "$TMP/k.ini" --proc "$TMP/proc" --duration 60 --flush 0.05 --json >"$TMP/k.json" 2>"$TMP/kerr" &
  local pid=$!
  for _ in $(seq 600); do
    [ "$(grep -c '"type":"commit"' "$TMP/k.json" 2>/dev/null)" -ge 10 ] && break
    sleep 0.05
  done
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  [ "$(grep -c '"type":"commit"' "$TMP/k.json")" -ge 10 ] && pass || fail "$kuri: fewer than 10 commits before the kill: $(cat "$TMP/kerr")"
  # Restart on the same store (recovery), then compare.
  "$GEYSER" collect --config "$TMP/k.ini" --proc "$TMP/proc" --once --json >/dev/null 2>"$TMP/err" ||
    fail "$kuri: restart after kill -9 failed: $(cat "$TMP/err")"
  committed_in_store "$TMP/k.json" "$kuri" && pass ||
    fail "$kuri: $(wc -l <"$TMP/missing") committed samples lost by kill -9: $(head -3 "$TMP/missing")"
}

if [ -n "${GEYSER_TEST_POSTGRES:-}" ]; then
  # Inside with-postgres.sh: PostgreSQL only.
  suite "postgres:$GEYSER_TEST_POSTGRES dbname=geyser_t1" "postgres:$GEYSER_TEST_POSTGRES dbname=geyser_t2"
  finish
  exit
fi

suite "sqlite:$TMP/a.db" "sqlite:$TMP/k.db"

# Clear errors.
write_ini "sqlite:$TMP/x.db" "$TMP/e.ini"
expect_fail 1 "cannot open store sqlite:/nonexistent-dir/s.db" "sqlite in a missing directory" -- \
  collect --config "$TMP/e.ini" --store sqlite:/nonexistent-dir/s.db --once
expect_fail 1 "unknown scheme 'mysql'" "unknown scheme" -- collect --store mysql://x --once
port=$(free_port)
expect_fail 1 "cannot open store postgresql://geyser:***@127.0.0.1:$port/x: postgres store: connecting" \
  "unreachable PostgreSQL" -- collect --store "postgresql://geyser:s3cret@127.0.0.1:$port/x" --once
if "$GEYSER" collect --store "postgresql://geyser:s3cret@127.0.0.1:$port/x" --once 2>&1 | grep -q s3cret; then
  fail "the store password was printed"
else pass; fi
printf '[store]\nstore = sqlite:%s/y.db\nstroe = x\n[meter "a"]\ndriver = exec\ncommand = echo 1\n' "$TMP" >"$TMP/bad.ini"
expect_fail 1 "bad.ini:3: [store]: unknown key 'stroe'" "unknown [store] key" -- collect --config "$TMP/bad.ini"
printf '[store]\nstore = postgresql://u:pw@127.0.0.1/x\n[meter "a"]\ndriver = exec\ncommand = echo 1\n' >"$TMP/pw.ini"
chmod 644 "$TMP/pw.ini"
expect_fail 1 "accessible to group or others" "world-readable store password" -- collect --config "$TMP/pw.ini"
expect_fail 1 "need a store" "--libvirt without a store" -- collect --libvirt test:///default --once

# The same suite against a real PostgreSQL server.
if bash "$HERE/../pg/with-postgres.sh" bash "$0" "$GEYSER" >"$TMP/pg.out" 2>&1; then
  pass
else
  fail "PostgreSQL suite: $(cat "$TMP/pg.out")"
fi
finish
