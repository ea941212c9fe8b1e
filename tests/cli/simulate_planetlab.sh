#!/usr/bin/env bash
# The research standard setup on a real PlanetLab day (from ../shared), and
# the embedded synthetic default: all metrics present and consistent.
. "$(dirname "$0")/lib.bash"

day=$SHARED/data/planetlab/20110303
if [ -d "$day" ]; then
  out=$TMP/pl.json
  "$GEYSER" simulate --trace "$day" --json >"$out" || fail "planetlab run failed"
  expect_json "$out" '.hosts == 800 and .vms == 1052 and .steps == 288' "the standard setup"
  expect_json "$out" '.lower_bound_kwh < .energy_kwh and .energy_kwh < .baseline_kwh' "bound < energy < baseline"
  expect_json "$out" '.saving_pct > 50' "consolidation saves energy on PlanetLab"
  expect_json "$out" '.migrations > 0 and .host_shutdowns > 0' "it acts"
  expect_json "$out" '(.slav - (.slatah_pct / 100) * (.pdm_pct / 100) | fabs) < 1e-12' "SLAV = SLATAH x PDM"
  expect_json "$out" '.refused_actions == 0 and .failed_actions == 0' "no action refused"
  # No power management at all: energy equals the baseline.
  "$GEYSER" simulate --trace "$day" --policy none --json >"$TMP/none.json" || fail "policy none"
  expect_json "$TMP/none.json" '(.energy_kwh - .baseline_kwh | fabs) < 1e-9 and .migrations == 0' "none = baseline"
else
  echo "note: $day not found; PlanetLab checks skipped" >&2
fi

out=$TMP/syn.json
"$GEYSER" simulate --json >"$out" || fail "default run failed"
expect_json "$out" '.scenario == "synthetic" and .hosts == 800 and .vms == 1052' "embedded default"
expect_json "$out" '.lower_bound_kwh < .energy_kwh and .energy_kwh < .baseline_kwh' "default: bound < energy < baseline"
finish
