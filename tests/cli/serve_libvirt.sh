#!/usr/bin/env bash
# serve_libvirt.sh - `geyser serve --libvirt` drives a real backend (libvirt's
# test driver: no root, no hypervisor) through the same daemon as the
# simulated cloud: hosts with estimated power, a plan with its estimate in
# manual mode, approval, the audit log in memory and in the store, and
# Prometheus metrics. Then the default single-host test:///default.
source "$(dirname "$0")/lib.bash"

# Two test-driver hosts of 8 CPUs, each running one 1-vCPU VM (the test
# driver's CPU time runs at one second per second: 100 % of its vCPU), so
# each host is at 12.5 %, under the 20 % threshold: one is evacuated into
# the other.
libvirt_test_node a web-1 1
libvirt_test_node b web-2 2
head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$TMP/token"
start_serve --libvirt "a=test://$TMP/a.xml,b=test://$TMP/b.xml" --interval 1 \
  --mode manual --token-file "$TMP/token" --store "sqlite:$TMP/s.db"
AUTH="Authorization: Bearer $(cat "$TMP/token")"
grep -q "libvirt cloud (2 hosts, 2 VMs), mode manual" "$TMP/serve.err" && pass ||
  fail "start line: $(cat "$TMP/serve.err")"
# The first plan comes after one interval (libvirt's utilization is a
# CPU-time delta: it needs two reads).
for _ in $(seq 50); do
  curl -sf "$SERVE_URL/api/v1/plan" >"$TMP/plan.json"
  [ "$(jq -r .waiting "$TMP/plan.json")" = true ] && break
  sleep 0.2
done

curl -sf "$SERVE_URL/api/v1/hosts" >"$TMP/hosts.json"
expect_json "$TMP/hosts.json" '[.hosts[].name] == ["a", "b"]' "both hosts"
expect_json "$TMP/hosts.json" '.hosts | all(.state == "on" and .power_w > 80 and .power_source == "estimated" and .server_type == "HpProLiantMl110G5Xeon3075")' "power from the default type's model"
expect_json "$TMP/hosts.json" '.hosts | all(.cpu_utilization > 0.08 and .cpu_utilization < 0.17)' "measured utilization (1 of 8 CPUs)"
expect_json "$TMP/hosts.json" '.hosts | all(.energy_j > 0 and .power_actuator == false and .power_error == null)' "energy integrated, no actuator"

curl -sf "$SERVE_URL/api/v1/status" >"$TMP/status.json"
expect_json "$TMP/status.json" '.cloud == "libvirt" and .mode == "manual" and .interval_s == 1 and .tick_errors == 0 and .hosts == 2 and .vms == 2' "status"
expect_json "$TMP/status.json" '.power_w > 0 and .baseline_power_w == .power_w' "baseline = draw while every host is on"

expect_json "$TMP/plan.json" '.waiting == true and .id >= 1' "a plan waits"
expect_json "$TMP/plan.json" '[.actions[] | select(.type == "migrate")] | length == 1 and (.[0].vm | startswith("web-"))' "evacuate one host into the other"
expect_json "$TMP/plan.json" '.estimate.hosts_emptied == 1 and .estimate.saving_w > 0' "the plan's estimate"
ID=$(jq .id "$TMP/plan.json")

curl -sf "$SERVE_URL/metrics" >"$TMP/metrics.txt"
if promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1; then pass
else fail "promtool rejects /metrics: $(head -5 "$TMP/promtool.out")"; fi
grep -q '^geyser_host_power_watts{host="a",server_type="HpProLiantMl110G5Xeon3075",meter="model",source="estimated"} [1-9]' "$TMP/metrics.txt" &&
  pass || fail "host power metric: $(grep host_power "$TMP/metrics.txt")"
grep -q '^geyser_vm_energy_joules_total{vm="web-1",project="",source="estimated"} [0-9]' "$TMP/metrics.txt" &&
  pass || fail "VM energy metric: $(grep vm_energy "$TMP/metrics.txt")"
grep -q '^geyser_baseline_power_watts [1-9]' "$TMP/metrics.txt" && pass || fail "baseline metric"
grep -q '^geyser_cloud_read_errors_total 0' "$TMP/metrics.txt" && pass || fail "read errors metric"
! grep -q simulated_time "$TMP/metrics.txt" && pass || fail "no simulated time on a real cloud"

# Approve: whatever the test driver makes of the migration (its domains
# cannot really move between two driver instances), the intent and the
# outcome are audited.
code=$(curl -s -o "$TMP/apply.json" -w '%{http_code}' -XPOST -H "$AUTH" "$SERVE_URL/api/v1/plan/$ID/apply")
[ "$code" = 200 ] && pass || fail "apply: HTTP $code $(cat "$TMP/apply.json")"
curl -sf "$SERVE_URL/api/v1/audit?plan=$ID" >"$TMP/audit.json"
expect_json "$TMP/audit.json" ".stored == true and (.records | length > 0) and (.records | all(.plan == $ID and .daemon_mode == \"manual\" and .outcome != null))" "audit records with outcomes"
expect_json "$TMP/audit.json" '[.records[] | select(.type == "migrate")] | length == 1' "the migration audited"
intents=$(sqlite3 "$TMP/s.db" "SELECT count(*) FROM events WHERE kind='intent' AND json_extract(detail,'\$.plan')=$ID")
outcomes=$(sqlite3 "$TMP/s.db" "SELECT count(*) FROM events WHERE kind='outcome' AND json_extract(detail,'\$.plan')=$ID")
[ "$intents" -gt 0 ] && [ "$intents" = "$outcomes" ] && pass || fail "store: $intents intents, $outcomes outcomes"
# The store holds the hosts' estimated power on the wall clock (epoch).
now=$(date +%s)
n=$(sqlite3 "$TMP/s.db" "SELECT count(*) FROM power JOIN series ON series.id = power.series WHERE host='a' AND meter='model' AND t > $now - 60 AND t < $now + 5 AND watts > 0")
[ "$n" -gt 0 ] && pass || fail "store: $n power samples of host a at wall-clock times"

# The dashboard is served.
curl -sf "$SERVE_URL/" | grep -qi "<html" && pass || fail "no dashboard at /"

kill "$SERVE_PID" && wait "$SERVE_PID" && pass || fail "geyser serve did not stop cleanly"

# libvirt's default test host, named by its URI.
"$GEYSER" serve --libvirt test:///default --listen 127.0.0.1:0 --run-for 2 --interval 0.5 \
  2>"$TMP/default.err" && pass || fail "test:///default: $(cat "$TMP/default.err")"
grep -q "libvirt cloud (1 hosts, 1 VMs), mode observe" "$TMP/default.err" && pass ||
  fail "default start line: $(cat "$TMP/default.err")"

expect_fail 2 "one cloud at a time" "libvirt and openstack" -- serve --libvirt test:///default --openstack
expect_fail 2 "--vm-util is for OpenStack" "vm-util with libvirt" -- serve --libvirt test:///default --vm-util x
expect_fail 2 "are for the simulated cloud" "scenario with libvirt" -- serve --libvirt test:///default --scenario synthetic
expect_fail 2 "need a real cloud" "server type without a cloud" -- serve --server-type x
expect_fail 1 "no-such-type" "unknown server type" -- serve --libvirt test:///default --server-type no-such-type
expect_fail 1 "--libvirt: an empty host name or URI" "empty URI" -- serve --libvirt "a="
finish
