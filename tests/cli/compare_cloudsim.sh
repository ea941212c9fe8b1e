#!/usr/bin/env bash
# --compat cloudsim against CloudSim 3.0.3's own figures for 20110303
# (../shared/data/planetlab/CLOUDSIM-REFERENCE.md): energy and migrations
# within 2 %, SLATAH within 0.2 points, in both VM orders (sorted names and
# CloudSim's directory order), for THR-MMT, IQR-MMT, MAD-MMT and LR-MMT;
# NonPowerAware (the baseline) and Dvfs (policy none) within 2 %.
. "$(dirname "$0")/lib.bash"

day=$SHARED/data/planetlab/20110303
order=$SHARED/data/planetlab/cloudsim-vm-order-20110303-thismachine.csv
if [ ! -d "$day" ]; then
  echo "note: $day not found; CloudSim comparison skipped" >&2
  finish
fi
pols=none,thr-mmt:0.8,iqr-mmt:1.5,mad-mmt:2.5,lr-mmt:1.2

# ref FILE POLICY KWH MIGRATIONS SLATAH SLATAH_TOLERANCE
ref() {
  local f=$1 p=$2 kwh=$3 mig=$4 sla=$5 tol=$6
  expect_json "$f" "(.[] | select(.policy == \"$p\") | (.energy_kwh / $kwh - 1 | fabs)) <= 0.02" \
    "$p: energy within 2 % of CloudSim's $kwh kWh"
  expect_json "$f" "(.[] | select(.policy == \"$p\") | (.migrations / $mig - 1 | fabs)) <= 0.02" \
    "$p: migrations within 2 % of CloudSim's $mig"
  expect_json "$f" "(.[] | select(.policy == \"$p\") | (.slatah_pct - $sla | fabs)) <= $tol" \
    "$p: SLATAH within $tol points of CloudSim's $sla %"
}

"$GEYSER" compare --trace "$day" --compat cloudsim --policies "$pols" --jobs 2 --json \
  >"$TMP/sorted.json" || fail "compare --compat cloudsim (sorted names) failed"
expect_json "$TMP/sorted.json" 'all(.[]; .vms_finished == 532 and .refused_actions == 0)' \
  "532 VMs finish (two zeros in a row), nothing refused"
expect_json "$TMP/sorted.json" 'all(.[]; (.baseline_kwh - 2410.80 | fabs) < 0.01)' \
  "baseline = NonPowerAware, 2410.80 kWh"
expect_json "$TMP/sorted.json" '.[] | select(.policy == "none") | (.energy_kwh / 802.75 - 1 | fabs) <= 0.02 and .migrations == 0' \
  "none = Dvfs, within 2 % of 802.75 kWh"
ref "$TMP/sorted.json" thr-mmt:0.8 192.62 26711 4.91 0.2
ref "$TMP/sorted.json" iqr-mmt:1.5 189.98 26282 4.82 0.2
ref "$TMP/sorted.json" mad-mmt:2.5 185.79 26556 5.05 0.2
ref "$TMP/sorted.json" lr-mmt:1.2 163.48 27859 5.86 0.2

if [ -f "$order" ]; then
  "$GEYSER" compare --trace "$day" --order "$order" --compat cloudsim --policies "$pols" \
    --jobs 2 --json >"$TMP/dir.json" || fail "compare --compat cloudsim --order failed"
  expect_json "$TMP/dir.json" '(.[] | select(.policy == "none") | (.energy_kwh / 764.96 - 1 | fabs)) <= 0.02' \
    "directory order: none = Dvfs, within 2 % of 764.96 kWh"
  ref "$TMP/dir.json" thr-mmt:0.8 198.08 27728 5.00 0.2
  ref "$TMP/dir.json" iqr-mmt:1.5 193.63 27592 5.02 0.2
  ref "$TMP/dir.json" mad-mmt:2.5 189.79 27781 5.09 0.2
  ref "$TMP/dir.json" lr-mmt:1.2 167.83 27649 5.72 0.2
fi

# Errors name the cause; a policy without the mode is refused.
expect_fail 2 "--compat: 'ns3' is not a known simulator" "unknown simulator" -- simulate --compat ns3
expect_fail 2 "drop --placement" "no placement of ours" -- simulate --compat cloudsim --placement stack
expect_fail 1 "has no CloudSim compatibility mode" "geyser's own policy has none" -- \
  simulate --trace "$day" --compat cloudsim --policy geyser --json
finish
