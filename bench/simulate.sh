#!/usr/bin/env bash
# Benchmark of `geyser simulate`: the planetlab scenario on day 20110303
# (800 hosts, 1052 VMs, 288 steps of 5 minutes) and a run scaled 10x (8000
# hosts, 10520 VMs: the day's traces repeated). Prints wall time (best of
# N runs) and peak RSS for each. Targets: 0.2 s and 3 s on a 2-core machine.
#
#   bench/simulate.sh [RUNS]        (default 5; GEYSER_SHARED overrides ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shared=${GEYSER_SHARED:-$(cd .. && pwd)/shared}
day=$shared/data/planetlab/20110303
[ -d "$day" ] || { echo "bench: $day not found (set GEYSER_SHARED)" >&2; exit 1; }
scripts/install-deps.sh
dir=$(scripts/build.sh plain)
geyser=$dir/geyser

measure() { # label, then geyser arguments
  local label=$1; shift
  local best=999999 rss=0 out
  for _ in $(seq "$runs"); do
    out=$( { /usr/bin/time -f "%e %M" "$geyser" simulate "$@" --no-progress --json >/dev/null; } 2>&1 | tail -1)
    read -r wall kib <<<"$out"
    best=$(awk -v a="$best" -v b="$wall" 'BEGIN { print (b < a) ? b : a }')
    rss=$kib
  done
  printf "%-34s %8.3f s %8.1f MB   (best of %d)\n" "$label" "$best" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$runs"
}

echo "geyser simulate, $(nproc) cores, $(date -u +%Y-%m-%d)"
measure "planetlab 20110303 (800 hosts)" --trace "$day"
measure "planetlab 20110303 x10 (8000 hosts)" --trace "$day" --scale 10
measure "synthetic default (800 hosts)"
