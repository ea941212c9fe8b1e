#!/usr/bin/env bash
# `geyser serve` on the embedded simulated cloud: the daemon consolidates,
# its /metrics is valid Prometheus exposition (checked by promtool), the
# JSON API answers, bad requests get JSON errors, and SIGTERM stops it.
. "$(dirname "$0")/lib.bash"

start_serve --speed 3000 --tick-ms 100
sleep 2
curl -sf "$SERVE_URL/healthz" | grep -q ok && pass || fail "healthz"
curl -sf "$SERVE_URL/api/v1/status" >"$TMP/status.json" || fail "status"
expect_json "$TMP/status.json" '.scenario == "synthetic" and .hosts == 800 and .vms == 1052' "status"
expect_json "$TMP/status.json" '.time_s > 0 and .migrations > 0 and .hosts_on < 800' "it consolidates"
curl -sf "$SERVE_URL/api/v1/hosts" >"$TMP/hosts.json" || fail "hosts"
expect_json "$TMP/hosts.json" '.hosts | length == 800' "800 hosts"
expect_json "$TMP/hosts.json" '[.hosts[] | select(.state == "off") | .vms] | all(. == 0)' "no VM on an off host"
curl -sf "$SERVE_URL/api/v1/plan" >"$TMP/plan.json" || fail "plan"
expect_json "$TMP/plan.json" '.mode == "auto" and (.actions | type == "array")' "plan"

curl -sf "$SERVE_URL/metrics" >"$TMP/metrics.txt" || fail "metrics"
if promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1; then pass
else fail "promtool rejects /metrics: $(head -5 "$TMP/promtool.out")"; fi
[ "$(grep -c '^geyser_host_power_watts{' "$TMP/metrics.txt")" -eq 800 ] && pass || fail "800 power series"
grep -q '^geyser_host_energy_joules_total{host="host-0000",server_type="HpProLiantMl110G4Xeon3040",meter="sim",source="estimated"} ' \
  "$TMP/metrics.txt" && pass || fail "energy series labels"

code=$(curl -s -o "$TMP/err.json" -w '%{http_code}' "$SERVE_URL/no/such/thing")
[ "$code" = 404 ] && pass || fail "404 expected, got $code"
expect_json "$TMP/err.json" '.error | test("no such resource")' "404 body"
code=$(curl -s -o "$TMP/err.json" -w '%{http_code}' -X DELETE "$SERVE_URL/metrics")
[ "$code" = 405 ] && pass || fail "405 expected, got $code"
code=$(curl -s -o "$TMP/err.json" -w '%{http_code}' -X POST --data 'x=1' "$SERVE_URL/api/v1/plan")
[ "$code" = 405 ] || [ "$code" = 413 ] && pass || fail "POST with body refused, got $code"

kill -TERM "$SERVE_PID"
for _ in $(seq 50); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SERVE_PID" 2>/dev/null; then fail "SIGTERM did not stop the daemon"; else pass; fi
wait "$SERVE_PID"; rc=$?
[ "$rc" -eq 0 ] && pass || fail "daemon exit status $rc after SIGTERM"

expect_fail 2 "unknown mode 'fast'" "bad mode" -- serve --mode fast
expect_fail 1 "is not an IPv4 or IPv6 address" "bad listen" -- serve --listen nowhere:80 --run-for 1
finish
