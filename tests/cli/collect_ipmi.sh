#!/usr/bin/env bash
# geyser collect with ipmi meters against OpenIPMI's ipmi_sim on 127.0.0.1
# (tests/ipmi/start-bmc.sh): the SDR watts sensor, DCMI Get Power Reading
# (the dcmi_power.so plugin), and a "BMC" that never answers (a UDP socket
# that reads and discards): its reads time out, the others go on.
source "$(dirname "$0")/lib.bash"
IPMI_DIR=$(cd "$(dirname "$0")/../ipmi" && pwd)
silent_pid=""
cleanup() {
  "$IPMI_DIR/stop-bmc.sh" "$TMP/bmc1" >/dev/null 2>&1
  "$IPMI_DIR/stop-bmc.sh" "$TMP/bmc2" >/dev/null 2>&1
  if [ -n "$silent_pid" ]; then kill "$silent_pid" 2>/dev/null; wait "$silent_pid" 2>/dev/null; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

if ! command -v ipmi_sim >/dev/null; then
  echo "collect_ipmi: ipmi_sim missing (Debian package openipmi; scripts/install-deps.sh)" >&2
  exit 1
fi

# A port free for UDP (IPMI) and TCP (the BMC-to-host link) on loopback.
free_port() {
  python3 -c '
import socket
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass'
}

p1=$(free_port); mkdir -p "$TMP/bmc1"; echo 350 >"$TMP/bmc1/watts"
"$IPMI_DIR/start-bmc.sh" "$p1" "$TMP/bmc1" >/dev/null || { fail "BMC 1 did not start"; finish; exit 1; }
p2=$(free_port); mkdir -p "$TMP/bmc2"; echo 377 >"$TMP/bmc2/watts"
DCMI=1 "$IPMI_DIR/start-bmc.sh" "$p2" "$TMP/bmc2" >/dev/null || { fail "BMC 2 did not start"; finish; exit 1; }
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True: s.recvfrom(4096)' "$TMP/silent.port" &
silent_pid=$!
for _ in $(seq 1 100); do [ -s "$TMP/silent.port" ] && break; sleep 0.05; done
p3=$(cat "$TMP/silent.port")

cat >"$TMP/m.ini" <<INI
[meter "sensor"]
driver = ipmi
address = 127.0.0.1:$p1
user = admin
password = password
mode = sensor
interval = 0.2
timeout = 2

[meter "auto"]
driver = ipmi
address = 127.0.0.1:$p1
user = admin
password = password
host = node-auto

[meter "dcmi"]
driver = ipmi
address = 127.0.0.1:$p2
user = admin
password = password
mode = dcmi

[meter "silent"]
driver = ipmi
address = 127.0.0.1:$p3
user = admin
password = password
timeout = 1
INI
chmod 600 "$TMP/m.ini"

"$GEYSER" collect --config "$TMP/m.ini" --once --json >"$TMP/once.json" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 1 ] && pass || fail "the silent BMC should make collect exit 1, got $rc: $(cat "$TMP/err")"
jq -s . "$TMP/once.json" >"$TMP/once.all"
# The sensor is 8-bit with 4 W steps: 350 W reads as 352 W.
expect_json "$TMP/once.all" 'any(.[]; .type == "sample" and .meter == "sensor" and .watts == 352)' "SDR sensor watts"
expect_json "$TMP/once.all" 'any(.[]; .type == "sample" and .host == "node-auto" and .watts == 352)' "auto falls back to the sensor"
expect_json "$TMP/once.all" 'any(.[]; .type == "sample" and .meter == "dcmi" and .watts == 377)' "DCMI exact watts"
expect_json "$TMP/once.all" 'any(.[]; .type == "status" and .meter == "silent" and .state == "down" and (.error | test("timeout|timed out")))' "silent BMC times out"
if grep -q password "$TMP/once.json" "$TMP/err"; then fail "a password appeared in the output"; else pass; fi

# Isolation, by counts: the fast meter keeps its pace while the silent one
# spends its reads timing out.
"$GEYSER" collect --config "$TMP/m.ini" --duration 3 --json >"$TMP/run.json" 2>"$TMP/err"
jq -s . "$TMP/run.json" >"$TMP/run.all"
fast=$(jq '[.[] | select(.type == "status" and .meter == "sensor")][0].samples' "$TMP/run.all")
slow=$(jq '[.[] | select(.type == "status" and .meter == "silent")][0].reads' "$TMP/run.all")
if [ "$fast" -ge 5 ] && [ "$fast" -gt $((slow * 2)) ]; then pass; else fail "isolation: fast meter samples $fast, silent reads $slow"; fi

# Agent mode: the same BMCs into SQLite and into a real PostgreSQL, read
# back with each database's own client.
"$GEYSER" collect --config "$TMP/m.ini" --store "sqlite:$TMP/ipmi.db" --host node-s --once --json >"$TMP/st.json" 2>"$TMP/err"
rows=$(sqlite3 -separator '|' "$TMP/ipmi.db" "SELECT s.host, s.meter, p.watts FROM power p JOIN series s ON s.id = p.series ORDER BY s.meter")
[ "$rows" = "$(printf 'node-auto|auto|352.0\ndcmi|dcmi|377.0\nsensor|sensor|352.0')" ] && pass || fail "ipmi into SQLite: $rows $(cat "$TMP/err")"
pgrows=$(bash "$(dirname "$0")/../pg/with-postgres.sh" bash -c '
  "$0" collect --config "$1" --store "postgres:$GEYSER_TEST_POSTGRES dbname=geyser_t1" --once >/dev/null 2>&1
  psql -X -At -F"|" "$GEYSER_TEST_POSTGRES dbname=geyser_t1" -c "SELECT s.host, s.meter, p.watts FROM power p JOIN series s ON s.id = p.series ORDER BY s.meter"' \
  "$GEYSER" "$TMP/m.ini" 2>&1)
[ "$pgrows" = "$(printf 'node-auto|auto|352\ndcmi|dcmi|377\nsensor|sensor|352')" ] && pass || fail "ipmi into PostgreSQL: $pgrows"

# DCMI demanded from a BMC without it.
sed -e "s/127.0.0.1:$p2/127.0.0.1:$p1/" "$TMP/m.ini" | awk '/^\[meter "silent"\]/{exit} {print}' >"$TMP/nodcmi.ini"
chmod 600 "$TMP/nodcmi.ini"
"$GEYSER" collect --config "$TMP/nodcmi.ini" --json >"$TMP/nodcmi.json" 2>/dev/null
expect_json <(jq -s . "$TMP/nodcmi.json") 'any(.[]; .type == "status" and .meter == "dcmi" and (.error | contains("does not support DCMI")))' "mode = dcmi on a BMC without DCMI"
finish
