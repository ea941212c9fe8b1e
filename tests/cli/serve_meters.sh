#!/usr/bin/env bash
# serve_meters.sh - `geyser serve --meters`: geyser collect's meters polled
# inside the daemon, on libvirt's test driver. A host with a working meter
# draws what the meter says (source "measured"), a host whose meter fails
# falls back to its model's estimate, geyser_meter_up tells them apart, and
# with --store the samples are stored as geyser collect stores them.
source "$(dirname "$0")/lib.bash"

libvirt_test_node a web-1 1
libvirt_test_node b web-2 2
CLOUD="a=test://$TMP/a.xml,b=test://$TMP/b.xml"
cat >"$TMP/meters.ini" <<'INI'
[meter "a-pdu"]
driver = exec
command = echo 123.5
interval = 0.2
host = a

[meter "b-pdu"]
driver = exec
command = false
interval = 0.2
host = b
INI

start_serve --libvirt "$CLOUD" --interval 1 --meters "$TMP/meters.ini" --store "sqlite:$TMP/s.db"
for _ in $(seq 50); do
  curl -sf "$SERVE_URL/api/v1/hosts" >"$TMP/hosts.json"
  [ "$(jq -r '.hosts[0].power_source' "$TMP/hosts.json")" = measured ] && break
  sleep 0.2
done
expect_json "$TMP/hosts.json" '.hosts[0] | .name == "a" and .power_w == 123.5 and .power_source == "measured" and .power_meter == "a-pdu"' "host a: its meter's reading"
expect_json "$TMP/hosts.json" '.hosts[1] | .name == "b" and .power_w > 80 and .power_w != 123.5 and .power_source == "estimated" and .power_meter == "model"' "host b: meter down, the model's estimate"

curl -sf "$SERVE_URL/metrics" >"$TMP/metrics.txt"
if promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1; then pass
else fail "promtool rejects /metrics: $(head -5 "$TMP/promtool.out")"; fi
grep -q '^geyser_host_power_watts{host="a",server_type="[^"]*",meter="a-pdu",source="measured"} 123.500' "$TMP/metrics.txt" &&
  pass || fail "measured power metric: $(grep host_power "$TMP/metrics.txt")"
grep -q '^geyser_host_power_watts{host="b",server_type="[^"]*",meter="model",source="estimated"} ' "$TMP/metrics.txt" &&
  pass || fail "estimated power metric: $(grep host_power "$TMP/metrics.txt")"
grep -q '^geyser_meter_up{host="a",server_type="[^"]*",meter="a-pdu"} 1' "$TMP/metrics.txt" &&
  grep -q '^geyser_meter_up{host="b",server_type="[^"]*",meter="b-pdu"} 0' "$TMP/metrics.txt" &&
  pass || fail "meter_up: $(grep meter_up "$TMP/metrics.txt")"
sleep 1
kill "$SERVE_PID" && wait "$SERVE_PID" && pass || fail "geyser serve did not stop cleanly: $(cat "$TMP/serve.err")"

# The store: the meter's samples under its own series, measured; host b's
# estimates under "model"; no estimate of host a while its meter gave one.
q() { sqlite3 "$TMP/s.db" "$1"; }
n=$(q "SELECT count(*) FROM power JOIN series ON series.id = power.series WHERE host='a' AND meter='a-pdu' AND watts = 123.5")
[ "${n:-0}" -ge 3 ] && pass || fail "store: $n samples of meter a-pdu"
drv=$(q "SELECT driver FROM meter_info WHERE host='a' AND meter='a-pdu'")
[ "$drv" = exec ] && pass || fail "store: meter a-pdu described with driver '$drv'"
n=$(q "SELECT count(*) FROM power JOIN series ON series.id = power.series WHERE host='b' AND meter='model' AND watts > 80")
[ "${n:-0}" -ge 1 ] && pass || fail "store: $n estimates of host b"

expect_fail 2 "need a real cloud" "meters on the simulated cloud" -- serve --meters "$TMP/meters.ini"
sed 's/host = b/host = c/' "$TMP/meters.ini" >"$TMP/typo.ini"
expect_fail 1 "meter 'b-pdu' measures host 'c', which the cloud does not have" "a meter of no host" -- \
  serve --libvirt "$CLOUD" --meters "$TMP/typo.ini" --listen 127.0.0.1:0
printf '[store]\nuri = sqlite:x.db\n[meter "m"]\ndriver = exec\ncommand = echo 1\nhost = a\n' >"$TMP/store.ini"
expect_fail 1 "section [store] is for geyser collect" "a [store] section" -- \
  serve --libvirt "$CLOUD" --meters "$TMP/store.ini" --listen 127.0.0.1:0
expect_fail 1 "cannot open" "no meter file" -- serve --libvirt "$CLOUD" --meters "$TMP/nope.ini" --listen 127.0.0.1:0
finish
