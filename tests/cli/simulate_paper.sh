#!/usr/bin/env bash
# The paper's 3-node scenario end to end through the CLI: every metric is
# there, the phases follow the experiment, and saving_pct is what the phase
# powers say it is.
. "$(dirname "$0")/lib.bash"

out=$TMP/paper.json
"$GEYSER" simulate --scenario paper-3node --json >"$out" || fail "simulate paper-3node failed"
for key in energy_kwh baseline_kwh lower_bound_kwh saving_pct migrations host_shutdowns \
           slatah_pct pdm_pct slav overload_pct runtime_s; do
  expect_json "$out" "has(\"$key\") and (.$key | type == \"number\")" "metric $key"
done
expect_json "$out" '.phases | length == 4' "four phases"
expect_json "$out" '[.phases[].name] == ["no-load","load-spread","consolidation","power-down"]' "phase names"
expect_json "$out" '.phases[0].hosts_on == 3 and .phases[1].hosts_on == 3' "all hosts on before consolidating"
expect_json "$out" '.phases[3].hosts_on < 1.1' "one host left on in the power-down phase"
expect_json "$out" '.migrations == 4 and .host_shutdowns == 2' "four VMs moved, two hosts off"
expect_json "$out" '((1 - .phases[3].avg_power_w / .phases[1].avg_power_w) * 100 - .saving_pct | fabs) < 1e-6' \
  "saving_pct is the power-down phase against the load-spread phase"
expect_json "$out" '.saving_pct > 30 and .saving_pct < 70' "a saving of the paper's order"
expect_json "$out" '.energy_kwh < .baseline_kwh and .lower_bound_kwh <= .energy_kwh' "baseline > energy >= bound"
expect_json "$out" '.slatah_pct == 0 and .overload_pct == 0' "no overload in the 3-node run"

# The human table says the same.
"$GEYSER" simulate --scenario paper-3node >"$TMP/table.txt" || fail "table output"
grep -q "power-down" "$TMP/table.txt" && pass || fail "table lacks the phases"

# A timeline with one row per step plus a header.
"$GEYSER" simulate --scenario paper-3node --timeline "$TMP/tl.csv" >/dev/null || fail "timeline run"
[ "$(wc -l <"$TMP/tl.csv")" -eq 121 ] && pass || fail "timeline rows: $(wc -l <"$TMP/tl.csv")"
head -1 "$TMP/tl.csv" | grep -q '^time_s,hosts_on,' && pass || fail "timeline header"
finish
