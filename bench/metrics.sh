#!/usr/bin/env bash
# Benchmark of the Prometheus exposition: `geyser serve` on a simulated
# cloud of HOSTS hosts (default 10,000: 5,000 HP ProLiant ML110 G4 + 5,000
# G5, with the synthetic day's VMs), then GET /metrics RUNS times. Prints the
# body size, the series count and the render time seen by the client (best
# and median). Nothing is asserted: the figures are for the reader.
#
#   bench/metrics.sh [HOSTS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-10000}
runs=${2:-20}
scripts/install-deps.sh
dir=$(scripts/build.sh plain)
tmp=$(mktemp -d)
half=$((hosts / 2))
mix=$half:HpProLiantMl110G4Xeon3040,$((hosts - half)):HpProLiantMl110G5Xeon3075
"$dir/geyser" serve --listen 127.0.0.1:0 --hosts "$mix" --speed 300 2>"$tmp/serve.err" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
port=""
for _ in $(seq 300); do
  port=$(grep -o 'port [0-9]*' "$tmp/serve.err" 2>/dev/null | cut -d' ' -f2) && [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/serve.err" >&2; exit 1; }
url=http://127.0.0.1:$port/metrics
sleep 3 # a few ticks, so every series has a value
curl -sf -o "$tmp/metrics.txt" "$url"
series=$(grep -vc '^#' "$tmp/metrics.txt")
: >"$tmp/times"
for _ in $(seq "$runs"); do
  curl -sf -o /dev/null -w '%{time_total}\n' "$url" >>"$tmp/times"
done
sort -n "$tmp/times" -o "$tmp/times"
best=$(head -1 "$tmp/times")
median=$(sed -n "$(((runs + 1) / 2))p" "$tmp/times")
echo "geyser /metrics, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%d)"
printf "%d hosts: %d series, %.1f MB; render+transfer best %.0f ms, median %.0f ms (%d runs)\n" \
  "$hosts" "$series" "$(awk -v b="$(wc -c <"$tmp/metrics.txt")" 'BEGIN { print b / 1e6 }')" \
  "$(awk -v t="$best" 'BEGIN { print t * 1000 }')" "$(awk -v t="$median" 'BEGIN { print t * 1000 }')" "$runs"
