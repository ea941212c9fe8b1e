#!/usr/bin/env bash
# A real Prometheus (Debian's package) scrapes `geyser serve`, and the
# values come back through Prometheus' HTTP API.
. "$(dirname "$0")/lib.bash"

command -v prometheus >/dev/null || { fail "prometheus is not installed (scripts/install-deps.sh)"; finish; exit 1; }
start_serve --speed 3000 --tick-ms 200
target=${SERVE_URL#http://}
pport=$(free_port)
cat >"$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: geyser
    static_configs:
      - targets: ['$target']
YML
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
  --web.listen-address="127.0.0.1:$pport" >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
trap 'kill "$PROM_PID" "$SERVE_PID" 2>/dev/null; wait "$PROM_PID" "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

query() { curl -sf --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1"; }
ok=""
for _ in $(seq 60); do
  if query 'count(geyser_host_power_watts)' >"$TMP/q.json" 2>/dev/null &&
     [ "$(jq -r '.data.result[0].value[1] // empty' "$TMP/q.json")" = 800 ]; then ok=1; break; fi
  sleep 0.5
done
[ -n "$ok" ] && pass || fail "Prometheus never saw 800 power series: $(tail -3 "$TMP/prometheus.log")"
query 'up{job="geyser"}' >"$TMP/up.json"
expect_json "$TMP/up.json" '.data.result[0].value[1] == "1"' "the scrape target is up"
query 'sum(geyser_host_power_watts)' >"$TMP/sum.json"
expect_json "$TMP/sum.json" '(.data.result[0].value[1] | tonumber) > 1000' "total power is plausible"
sleep 3
query 'increase(geyser_host_energy_joules_total{host="host-0001"}[10s])' >"$TMP/inc.json"
expect_json "$TMP/inc.json" '(.data.result[0].value[1] | tonumber) > 0' "the energy counter grows"
query 'geyser_host_power_state{state="off"} == 1' >"$TMP/off.json"
expect_json "$TMP/off.json" '.data.result | length > 0' "Prometheus sees hosts powered off"
finish
