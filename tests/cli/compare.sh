#!/usr/bin/env bash
# geyser compare: several policies on one scenario, in parallel, with the
# results of sequential runs; every day of a folder of days; plots.
. "$(dirname "$0")/lib.bash"

hosts=10:HpProLiantMl110G4Xeon3040,10:HpProLiantMl110G5Xeon3075
pols=thr-mmt:0.8,lr-mmt:1.2,iqr-mc:1.5,mad-mu:2.5,lrr-rs:1.2,paper:0.2,0.8
"$GEYSER" compare --hosts "$hosts" --vms 40 --policies "$pols" --jobs 3 --json >"$TMP/par.json" ||
  fail "parallel compare failed"
"$GEYSER" compare --hosts "$hosts" --vms 40 --policies "$pols" --jobs 1 --json >"$TMP/seq.json" ||
  fail "sequential compare failed"
"$GEYSER" compare --hosts="$hosts" --vms 40 --policies="$pols" --jobs=2 --json >"$TMP/eq.json" ||
  fail "--opt=VALUE forms failed"
expect_json "$TMP/par.json" 'length == 6' "one row per policy"
expect_json "$TMP/par.json" '[.[].policy] == ["thr-mmt:0.8","lr-mmt:1.2","iqr-mc:1.5","mad-mu:2.5","lrr-rs:1.2","paper:0.2,0.8"]' "rows in the order given"
expect_json "$TMP/par.json" 'all(.[]; .energy_kwh > 0 and .energy_ratio >= 1 and has("slav") and has("migrations"))' "metrics present"
if [ "$(jq -c 'map(del(.runtime_s))' "$TMP/par.json")" = "$(jq -c 'map(del(.runtime_s))' "$TMP/seq.json")" ]; then
  pass
else
  fail "parallel results differ from sequential ones"
fi
if [ "$(jq -c 'map(del(.runtime_s))' "$TMP/eq.json")" = "$(jq -c 'map(del(.runtime_s))' "$TMP/seq.json")" ]; then
  pass
else
  fail "--policies=LIST --jobs=N differ from the spaced forms"
fi

# A folder of day folders.
mkdir -p "$TMP/days"
ln -s "$(cd "$(dirname "$0")/../data/workload/planetlab/good" && pwd)" "$TMP/days/20000101"
ln -s "$(cd "$(dirname "$0")/../data/workload/planetlab/good" && pwd)" "$TMP/days/20000102"
"$GEYSER" compare --trace "$TMP/days" --days all --hosts "$hosts" --policies thr-mmt,paper \
  --json --plot "$TMP/plot" >"$TMP/days.json" || fail "--days all failed"
expect_json "$TMP/days.json" 'length == 6 and ([.[].day] | unique) == ["20000101","20000102","all"]' "two days and the total"
expect_json "$TMP/days.json" '(map(select(.day == "all" and .policy == "paper"))[0].energy_kwh - (map(select(.day != "all" and .policy == "paper")) | map(.energy_kwh) | add) | fabs) < 1e-6' "total energy is the sum"
for f in plot-slav.svg plot-migrations.svg; do
  if grep -q "lower bound" "$TMP/$f" 2>/dev/null; then pass; else fail "$f missing or without the lower bound"; fi
done
if command -v rsvg-convert >/dev/null; then
  if [ -s "$TMP/plot-slav.png" ] && [ -s "$TMP/plot-migrations.png" ]; then pass; else fail "PNG plots missing"; fi
fi

"$GEYSER" compare --hosts "$hosts" --vms 40 --policies thr-mmt >"$TMP/table.txt" || fail "table"
if grep -q "x bound" "$TMP/table.txt" && grep -q "thr-mmt" "$TMP/table.txt"; then pass; else fail "table: $(cat "$TMP/table.txt")"; fi

expect_fail 2 "--policies" "no policies" -- compare --vms 10
expect_fail 2 "unknown or incomplete option" "bad option" -- compare --policies paper --frobnicate
expect_fail 2 "compare takes --policies" "--policy given" -- compare --policy paper
expect_fail 1 "unknown policy" "unknown policy" -- compare --hosts "$hosts" --vms 10 --policies nope
finish
