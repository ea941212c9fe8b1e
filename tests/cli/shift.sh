#!/usr/bin/env bash
# `geyser shift` on the example day: every plan meets every deadline, and
# each objective beats running at arrival on what it optimises.
. "$(dirname "$0")/lib.bash"

ex=${GEYSER_SOURCE_DIR:-$(dirname "$0")/../..}/data/signals/example
"$GEYSER" shift --signals "$ex" --jobs "$ex/jobs.csv" --capacity 10 --json >"$TMP/s.json" || fail "shift"
expect_json "$TMP/s.json" 'length == 4 and .[0].objective == "at_arrival"' "baseline and three objectives"
expect_json "$TMP/s.json" '.[1].objective == "cost" and .[1].cost_eur < .[0].cost_eur' "cost objective saves money"
expect_json "$TMP/s.json" '.[2].objective == "carbon" and .[2].co2_kg < .[0].co2_kg' "carbon objective saves CO2"
expect_json "$TMP/s.json" '.[3].non_renewable_kwh < .[0].non_renewable_kwh' "renewable objective uses more PV"
expect_json "$TMP/s.json" '([.[].energy_kwh] | unique | length) == 1' "same energy, moved in time"
# Every planned start lies in its job's window: release <= start, start + duration <= deadline.
while IFS=, read -r name release deadline duration _; do
  case "$name" in ''|\#*|name) continue ;; esac
  expect_json "$TMP/s.json" \
    "all(.[1:][]; .starts[\"$name\"] >= $release and .starts[\"$name\"] + $duration <= $deadline)" \
    "$name within its window"
done <"$ex/jobs.csv"

"$GEYSER" shift --signals "$ex" --jobs "$ex/jobs.csv" >"$TMP/table.txt" || fail "table"
grep -q "every shifted plan meets every deadline" "$TMP/table.txt" && pass || fail "table header"

printf 'name,release,deadline,duration_s,power_kw,cpu\na,0,3600,3600,5,8\nb,0,3600,3600,5,8\n' >"$TMP/tight.csv"
expect_fail 1 "job b cannot meet its deadline" "infeasible deadline named" -- shift --signals "$ex" --jobs "$TMP/tight.csv" --capacity 10
expect_fail 2 "--signals DIR and --jobs FILE are required" "missing args" -- shift
expect_fail 2 "unknown objective 'fast'" "bad objective" -- shift --signals "$ex" --jobs "$ex/jobs.csv" --objective fast
mkdir -p "$TMP/sig" && printf 'time,price_eur_per_mwh\n0,50\n3600,oops\n' >"$TMP/sig/price.csv"
expect_fail 1 "price.csv:3: 'oops' is not a number" "bad signal file" -- shift --signals "$TMP/sig" --jobs "$ex/jobs.csv"
finish
