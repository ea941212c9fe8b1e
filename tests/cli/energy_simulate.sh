#!/usr/bin/env bash
# `geyser simulate --signals` and `geyser compare` with energy objectives on
# a PlanetLab day and the shipped synthetic signal set: every deadline met,
# each objective cutting what it optimises against every job at arrival, the
# demand-response cap held; bad energy inputs named.
. "$(dirname "$0")/lib.bash"

src=${GEYSER_SOURCE_DIR:-$(dirname "$0")/../..}
sig=$src/data/energy/planetlab-day
day=$SHARED/data/planetlab/20110303
if [ -d "$day" ]; then
  "$GEYSER" compare --trace "$day" --signals "$sig" --jobs 2 --json \
    --policies geyser,geyser+cost,geyser+carbon,geyser+renewable >"$TMP/c.json" || fail "compare"
  expect_json "$TMP/c.json" 'length == 4 and all(.[]; .energy.deadlines_met == .energy.jobs and .energy.jobs == 10)' "all deadlines met"
  expect_json "$TMP/c.json" '.[0].energy.objective == "at_arrival" and .[0].energy.site_cut.cost_pct == 0' "plain spec = at arrival"
  expect_json "$TMP/c.json" '.[1].energy.objective == "cost" and .[1].energy.site.cost_eur < .[0].energy.site.cost_eur' "cost objective saves money"
  expect_json "$TMP/c.json" '.[2].energy.site.co2_kg < .[0].energy.site.co2_kg' "carbon objective saves CO2"
  expect_json "$TMP/c.json" '.[3].energy.objective == "renewable_share" and .[3].energy.site.non_renewable_kwh < .[0].energy.site.non_renewable_kwh' "renewable objective uses more PV"
  expect_json "$TMP/c.json" '[.[].energy.jobs_energy.energy_kwh] | (max - min) < 1e-6' "jobs moved in time, same energy"
  expect_json "$TMP/c.json" 'all(.[]; .energy.caps[0].met and .energy.caps[0].max_draw_kw <= 40)' "the 40 kW cap held"
  # A policy that never consolidates on its own (low 0): the cap alone makes
  # the controller pack the hosts and power the spare ones down.
  "$GEYSER" simulate --trace "$day" --policy paper:0,0.8 --signals "$sig" --json >"$TMP/p.json" || fail "paper:0"
  expect_json "$TMP/p.json" '.energy.caps[0].met and .energy.caps[0].met_after_s <= 3600 and .host_shutdowns > 0' "cap reached by the controller"
  # policy none forbids migrations and power-offs: the cap cannot be met, and says so.
  "$GEYSER" simulate --trace "$day" --policy none --signals "$sig" --json >"$TMP/n.json" || fail "none"
  expect_json "$TMP/n.json" '(.energy.caps[0].met | not) and .energy.caps[0].max_over_kw > 20' "cap missed under none"
  # Space shifting: the hydro site takes movable jobs when CO2 is the goal;
  # pinned jobs stay, and the moves cost transfer energy.
  "$GEYSER" simulate --trace "$day" --signals "$sig" --sites "$src/data/energy/sites.csv" \
    --objective carbon --json >"$TMP/s.json" || fail "sites"
  expect_json "$TMP/s.json" '.energy.jobs_moved > 0 and .energy.transfer_kwh > 0 and .energy.deadlines_met == 10' "jobs moved"
  expect_json "$TMP/s.json" '.energy.jobs_cut.co2_pct > 50' "moving cuts the jobs' CO2 further"
else
  echo "note: $day not found; PlanetLab checks skipped" >&2
fi

expect_fail 2 "need --signals DIR" "jobs without signals" -- simulate --jobs "$sig/jobs.csv"
expect_fail 2 "unknown objective 'fast'" "bad objective" -- simulate --signals "$sig" --objective fast
expect_fail 1 "needs --signals DIR and --jobs FILE" "objective without signals" -- simulate --scenario paper-3node --policy paper+cost
expect_fail 1 "unknown objective 'cheap'" "bad spec suffix" -- simulate --scenario paper-3node --signals "$sig" --policy paper+cheap
mkdir -p "$TMP/nojobs" && cp "$sig/price.csv" "$TMP/nojobs/"
expect_fail 1 "holds no jobs.csv" "signals without jobs" -- simulate --scenario paper-3node --signals "$TMP/nojobs"
printf 'name,release,deadline,duration_s,power_kw,cpu,data_gb,pinned\na,0,7200,3600,1,1,5,maybe\n' >"$TMP/j.csv"
expect_fail 1 "j.csv:2: pinned must be yes or no, not 'maybe'" "bad pinned" -- simulate --scenario paper-3node --signals "$sig" --jobs "$TMP/j.csv"
printf 'name,signals,batch_cpu,bandwidth_mbit,transfer_kwh_per_gb\nfar,nowhere,10,0,0.1\n' >"$TMP/sites.csv"
expect_fail 1 "sites.csv:2: bandwidth_mbit must be a positive number" "bad site" -- simulate --scenario paper-3node --signals "$sig" --sites "$TMP/sites.csv"
printf 'name,signals,batch_cpu,bandwidth_mbit,transfer_kwh_per_gb\nfar,nowhere,10,100,0.1\n' >"$TMP/sites.csv"
expect_fail 1 "sites.csv:2: site far" "missing site signals" -- simulate --scenario paper-3node --signals "$sig" --sites "$TMP/sites.csv"
finish
