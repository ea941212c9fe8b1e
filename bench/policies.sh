#!/usr/bin/env bash
# Benchmark of every policy on PlanetLab day 20110303 (800 hosts, 1052 VMs,
# 288 steps): wall time (best of N runs) and peak RSS per run, with the
# run's energy and migrations; the CloudSim compatibility runs (--compat
# cloudsim: none = Dvfs and the four MMT policies); then one scale run of 100,000 VMs on 80,000
# hosts for a day (the synthetic scenario x100). Targets: < 0.2 s and
# < 50 MB per day run, < 30 s for the scale run.
#
#   bench/policies.sh [RUNS] [SCALE_POLICY]   (default 3, geyser; GEYSER_SHARED overrides ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
scalePolicy=${2:-geyser}
shared=${GEYSER_SHARED:-$(cd .. && pwd)/shared}
day=$shared/data/planetlab/20110303
[ -d "$day" ] || { echo "bench: $day not found (set GEYSER_SHARED)" >&2; exit 1; }
scripts/install-deps.sh
dir=$(scripts/build.sh plain)
geyser=$dir/geyser

policies=(geyser paper:0.2,0.8 none)
for det in thr:0.8 mad:2.5 iqr:1.5 lr:1.2 lrr:1.2; do
  for sel in mmt mc mu rs; do
    policies+=("${det%%:*}-$sel:${det#*:}")
  done
done

measure() { # label, then geyser simulate arguments
  local label=$1; shift
  local best=999999 rss=0 out json=$(mktemp)
  for _ in $(seq "$runs"); do
    out=$( { /usr/bin/time -f "%e %M" "$geyser" simulate "$@" --no-progress --json >"$json"; } 2>&1 | tail -1)
    read -r wall kib <<<"$out"
    best=$(awk -v a="$best" -v b="$wall" 'BEGIN { print (b < a) ? b : a }')
    rss=$kib
  done
  printf "%-22s %8.3f s %7.1f MB %10.2f kWh %8d migrations\n" "$label" "$best" \
    "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$(jq .energy_kwh "$json")" "$(jq .migrations "$json")"
  rm -f "$json"
}

echo "geyser policies on 20110303, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), best of $runs, $(date -u +%Y-%m-%d)"
for p in "${policies[@]}"; do
  measure "$p" --trace "$day" --policy "$p"
done
echo
echo "CloudSim compatibility (--compat cloudsim), sorted names, on 20110303"
for p in none thr-mmt:0.8 iqr-mmt:1.5 mad-mmt:2.5 lr-mmt:1.2; do
  measure "cloudsim $p" --trace "$day" --policy "$p" --compat cloudsim
done
echo
echo "scale: 100,000 VMs on 80,000 hosts, one day, policy $scalePolicy (one run)"
runs=1 measure "synthetic x100" --vms 1000 --scale 100 --policy "$scalePolicy"
