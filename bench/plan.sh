#!/usr/bin/env bash
# Time to compute one consolidation plan on the simulated cloud, and how
# good it is: 100, 1,000 and 10,000 hosts with 1.3 VMs per host, mostly
# lightly loaded (the synthetic scenario's utilization, about 12 %), no
# limit on parallel migrations so that one plan is the whole
# consolidation (bench/plan_bench.c says exactly what is measured).
# Target: 10,000 hosts in under 50 ms. For comparison, OpenStack Watcher's
# vm_workload_consolidation strategy (Zed) on this machine kind and such
# models: 0.06 s at 100 hosts, 2.6 s at 1,000, 23 s at 3,000, 327 s at
# 10,000 (quadratic).
#
#   bench/plan.sh [RUNS] [POLICY...]   (default 5 runs, best time; policies geyser, paper:0.2,0.8)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shift || true
policies=("$@")
[ ${#policies[@]} -gt 0 ] || policies=(geyser paper:0.2,0.8)
dir=$(scripts/build.sh plain)
ninja -C "$dir" plan_bench >/dev/null
declare -A watcher=([100]=0.06 [1000]=2.6 [10000]=327)
printf '| hosts | VMs | policy | plan time (ms) | hosts in use before | after | migrations | Watcher VWC (s) |\n'
printf '|---:|---:|---|---:|---:|---:|---:|---:|\n'
for policy in "${policies[@]}"; do
  for n in 100 1000 10000; do
    read -r hosts vms pol secs before after migr _ < <("$dir/plan_bench" "$n" "$policy" "$runs")
    printf '| %s | %s | %s | %.2f | %s | %s | %s | %s |\n' "$hosts" "$vms" "$pol" \
      "$(echo "$secs * 1000" | bc -l)" "$before" "$after" "$migr" "${watcher[$n]}"
  done
done
