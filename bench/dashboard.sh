#!/usr/bin/env bash
# Time the dashboard in chromium on a 1000-host simulated cloud replaying
# fast (a day of history in about 20 s): the host grid, one day of one-minute
# data for every host, a host page with a day drawn. Prints the figures
# (target: the grid under 1 s). Needs chromium and web/node_modules
# (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dir=$(scripts/build.sh plain)
tmp=$(mktemp -d)
mix=500:HpProLiantMl110G4Xeon3040,500:HpProLiantMl110G5Xeon3075
"$dir/geyser" serve --listen 127.0.0.1:0 --hosts "$mix" --speed 5000 --tick-ms 100 2>"$tmp/serve.err" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
port=""
for _ in $(seq 100); do
  port=$(grep -o 'port [0-9]*' "$tmp/serve.err" 2>/dev/null | cut -d' ' -f2) && [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/serve.err" >&2; exit 1; }
url=http://127.0.0.1:$port
echo "dashboard bench: geyser serve --hosts $mix, replaying a day of history..." >&2
until [ "$(curl -sf "$url/api/v1/status" | jq '.time_s >= 86400')" = true ]; do sleep 1; done
curl -sf "$url/api/v1/status" | jq -r '"cloud: \(.hosts) hosts, \(.vms) VMs, \(.time_s / 3600 | floor) h simulated, history \(.history_bytes / 1048576 | floor) MiB"'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (the figures move with it)"
node bench/dashboard.mjs "$url" "$(curl -sf "$url/api/v1/status" | jq .hosts)"
