#!/usr/bin/env bash
# geyser's own policy against geyser's runs of the literature on two
# PlanetLab days (from ../shared), VMs started as Nova stacks them, side by
# side in one `geyser compare --days all`: on each day its energy is at or
# below LR-MMT's, its SLAV at or below IQR-MMT's, and it makes at most a
# third of THR-MMT's migrations. Plus --placement's own checks.
. "$(dirname "$0")/lib.bash"

hosts=10:HpProLiantMl110G4Xeon3040,10:HpProLiantMl110G5Xeon3075
expect_fail 2 "--placement: 'packed' is not spread or stack" "bad placement" -- \
  simulate --hosts "$hosts" --vms 20 --placement packed
expect_fail 1 "places its own VMs" "paper-3node with --placement" -- \
  simulate --scenario paper-3node --placement stack
"$GEYSER" simulate --hosts "$hosts" --vms 20 --policy geyser --placement stack --json >"$TMP/g.json" ||
  fail "stacked geyser run"
expect_json "$TMP/g.json" '.host_shutdowns >= 10' "stacked: the empty hosts go down"
"$GEYSER" simulate --hosts "$hosts" --vms 20 --policy geyser --placement spread --json >"$TMP/s.json" ||
  fail "spread geyser run"
expect_json "$TMP/s.json" '.migrations > 0' "spread: geyser must migrate to empty hosts"

src=$SHARED/data/planetlab
if [ ! -d "$src/20110303" ] || [ ! -d "$src/20110411" ]; then
  echo "note: $src/20110303 or 20110411 not found; dominance checks skipped" >&2
  finish
  exit $?
fi
mkdir -p "$TMP/days"
ln -s "$(cd "$src/20110303" && pwd)" "$TMP/days/20110303"
ln -s "$(cd "$src/20110411" && pwd)" "$TMP/days/20110411"
out=$TMP/cmp.json
"$GEYSER" compare --trace "$TMP/days" --days all --placement stack \
  --policies geyser,thr-mmt:0.8,iqr-mmt:1.5,lr-mmt:1.2 --json >"$out" || fail "compare --days all"
expect_json "$out" 'length == 12' "4 policies x (2 days + all)"
for day in 20110303 20110411; do
  row() { echo "map(select(.day == \"$day\" and .policy == \"$1\"))[0]"; }
  g=$(row geyser) lr=$(row lr-mmt:1.2) iqr=$(row iqr-mmt:1.5) thr=$(row thr-mmt:0.8)
  expect_json "$out" "$g.energy_kwh <= $lr.energy_kwh" "$day: energy at or below LR-MMT's"
  expect_json "$out" "$g.slav <= $iqr.slav" "$day: SLAV at or below IQR-MMT's"
  expect_json "$out" "3 * $g.migrations <= $thr.migrations" "$day: a third of THR-MMT's migrations"
  expect_json "$out" "$g.migrations > 0 and $g.host_shutdowns > 0 and $g.energy_ratio >= 1" \
    "$day: geyser acts, above the lower bound"
done
finish
