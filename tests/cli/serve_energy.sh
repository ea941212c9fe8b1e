#!/usr/bin/env bash
# `geyser serve` following the energy supply: a demand-response cap set
# through the API is met on the simulated cloud; pushed signals are
# validated (unit, range, order) and the last good value is kept with a
# staleness flag; a polled JSON URL feeds a signal and, when it returns
# garbage or goes down, its last good value is kept and turns stale; the
# job queue and caps are readable; a pushed price forecast re-plans the
# jobs not started (an event records it); new jobs are admitted or refused
# through the API.
. "$(dirname "$0")/lib.bash"

src=${GEYSER_SOURCE_DIR:-$(dirname "$0")/../..}
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" >"$TMP/token"
auth="Authorization: Bearer $token"

# A JSON document to poll, served on 127.0.0.1 by a server stopped by PID.
mkdir -p "$TMP/www"
printf '{"renewable_kw": 12.5}\n' >"$TMP/www/sig.json"
wport=$(free_port)
python3 -m http.server "$wport" --bind 127.0.0.1 --directory "$TMP/www" >/dev/null 2>&1 &
WEB_PID=$!

# paper:0,0.8 never consolidates on its own: whatever the cap saves, the
# controller's capping did.
start_serve --speed 3000 --tick-ms 100 --policy paper:0,0.8 --token-file "$TMP/token" \
  --signals "$src/data/energy/planetlab-day" --signals-url "http://127.0.0.1:$wport/sig.json" \
  --poll 0.2 --signal-max-age 3600 --batch-cpu 300
trap 'kill "$SERVE_PID" "$WEB_PID" 2>/dev/null; wait "$SERVE_PID" "$WEB_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

post() { curl -s -o "$TMP/post.json" -w '%{http_code}' -X POST -H "$auth" "$SERVE_URL$1"; }

for _ in $(seq 50); do
  curl -sf "$SERVE_URL/api/v1/status" >"$TMP/status.json" && [ "$(jq '.time_s > 600' "$TMP/status.json")" = true ] && break
  sleep 0.1
done
expect_json "$TMP/status.json" '.hosts_on == 800 and .power_w > 60000' "every host on before the cap"

# The cap: 45 kW for two hours, from now.
code=$(post "/api/v1/caps?cap_kw=45&duration_s=7200&source=test")
[ "$code" = 200 ] && pass || fail "cap accepted, got $code: $(cat "$TMP/post.json")"
met=false
for _ in $(seq 150); do
  curl -sf "$SERVE_URL/api/v1/caps" >"$TMP/caps.json" || break
  met=$(jq '[.caps[] | select(.from == "api")][0].met' "$TMP/caps.json")
  [ "$met" = true ] && break
  sleep 0.1
done
expect_json "$TMP/caps.json" '[.caps[] | select(.from == "api")][0] | .met and .met_after_s <= 3600 and .cap_kw == 45' "cap met within an hour of simulated time"
expect_json "$TMP/caps.json" '.draw_kw <= 45' "the draw is under the cap"
curl -sf "$SERVE_URL/api/v1/status" >"$TMP/status.json"
expect_json "$TMP/status.json" '.hosts_on < 800' "hosts powered down for the cap"
code=$(post "/api/v1/caps?cap_kw=30&start=65000&end=66000")
[ "$code" = 400 ] && grep -q "overlaps" "$TMP/post.json" && pass || fail "overlapping cap refused: $code $(cat "$TMP/post.json")"
code=$(post "/api/v1/caps?cap_kw=-3")
[ "$code" = 400 ] && pass || fail "negative cap refused, got $code"
# A cap set ahead with now+SECONDS (the dashboard's cap form sends it).
t0=$(curl -sf "$SERVE_URL/api/v1/status" | jq .time_s)
code=$(post "/api/v1/caps?cap_kw=50&start=now%2B2000000&duration_s=600&source=ahead")
[ "$code" = 200 ] && pass || fail "cap ahead accepted: $code $(cat "$TMP/post.json")"
expect_json "$TMP/post.json" ".caps[] | select(.source == \"ahead\") | .start_s >= $t0 + 2000000 and .end_s == .start_s + 600" "cap ahead starts at now+2000000"
code=$(post "/api/v1/caps?cap_kw=50&start=now%2Bsoon")
[ "$code" = 400 ] && grep -q "is not a time" "$TMP/post.json" && pass || fail "bad now+ refused: $code $(cat "$TMP/post.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$SERVE_URL/api/v1/caps?cap_kw=10")
[ "$code" = 401 ] && pass || fail "cap without token: $code"

# Pushed signals.
code=$(post "/api/v1/signals?kind=price&unit=eur_per_mwh&value=42")
[ "$code" = 200 ] && pass || fail "good push: $code $(cat "$TMP/post.json")"
expect_json "$TMP/post.json" '.signals.price.source == "live" and .signals.price.value == 42' "price live"
code=$(post "/api/v1/signals?kind=price&unit=eur_per_kwh&value=0.04")
[ "$code" = 400 ] && grep -q "is not the unit of price" "$TMP/post.json" && pass || fail "unit mix-up: $code $(cat "$TMP/post.json")"
code=$(post "/api/v1/signals?kind=price&unit=eur_per_mwh&value=99999")
[ "$code" = 400 ] && grep -q "outside the plausible range" "$TMP/post.json" && pass || fail "absurd value: $code"
code=$(post "/api/v1/signals?kind=price&unit=eur_per_mwh&value=50&at=10")
[ "$code" = 400 ] && grep -q "older than the value held" "$TMP/post.json" && pass || fail "out of order: $code"
code=$(post "/api/v1/signals?kind=price&unit=eur_per_mwh&value=abc")
[ "$code" = 400 ] && grep -q "is not a number" "$TMP/post.json" && pass || fail "text value: $code"
code=$(post "/api/v1/signals?kind=wind&unit=kw&value=3")
[ "$code" = 400 ] && pass || fail "unknown kind: $code"
curl -sf "$SERVE_URL/api/v1/signals" >"$TMP/sig.json"
expect_json "$TMP/sig.json" '.signals.price.live_value == 42 and (.signals.price.last_error | test("older"))' "last good value kept, error shown"
# A value older than the maximum age is taken but stale: the file forecast rules.
code=$(post "/api/v1/signals?kind=carbon&unit=g_per_kwh&value=120&at=now-5000")
[ "$code" = 200 ] && pass || fail "old carbon push: $code"
expect_json "$TMP/post.json" '.signals.carbon.stale and .signals.carbon.source == "file" and .signals.carbon.live_value == 120' "stale flag"
code=$(post "/api/v1/signals?kind=carbon&unit=g_per_kwh&value=130&at=99999999")
[ "$code" = 400 ] && grep -q "in the future" "$TMP/post.json" && pass || fail "future point: $code $(cat "$TMP/post.json")"
expect_json "$TMP/sig.json" '(.forecast.time_s | length) == 24 and (.forecast.price | length) == 24' "forecast for the dashboard"
expect_json "$TMP/sig.json" '(.recent.time_s | length) == 24 and (.recent.carbon | length) == 24 and .recent.time_s[23] + 3600 == .forecast.time_s[0]' "the day before, for the dashboard"

# The polled URL.
expect_json "$TMP/sig.json" '.polls > 0 and .signals.renewable.live_value == 12.5' "polled value"
printf '{"renewable_kw": -5}\n' >"$TMP/www/sig.json"
for _ in $(seq 50); do
  curl -sf "$SERVE_URL/api/v1/signals" >"$TMP/sig.json"
  [ "$(jq '.poll_error | test("outside")' "$TMP/sig.json")" = true ] && break
  sleep 0.1
done
expect_json "$TMP/sig.json" '(.poll_error | test("outside the plausible range")) and .signals.renewable.live_value == 12.5' "bad poll refused, value kept"

# The job queue, planned for cost within every window.
curl -sf "$SERVE_URL/api/v1/jobs" >"$TMP/jobs.json"
expect_json "$TMP/jobs.json" '(.jobs | length) == 10 and .objective == "cost"' "ten jobs"
expect_json "$TMP/jobs.json" 'all(.jobs[]; .planned_start_s >= .release_s and .planned_start_s + .duration_s <= .deadline_s)' "planned within windows"

expect_json "$TMP/jobs.json" '.batch_cpu == 300 and .replan.signal == "price"' "batch capacity and the re-plan signal"

# Re-planning: make one hour of billing-run's window (61200-82800 s) by far
# the cheapest, away from its plan; it must move there, and no job that has
# started may move.
planned=$(jq '.jobs[] | select(.name == "billing-run") | .planned_start_s' "$TMP/jobs.json")
target=64800
[ "$planned" = 64800 ] && target=68400
code=$(post "/api/v1/signals/forecast?kind=price&unit=eur_per_mwh&points=$target:-400,$((target + 3600)):300")
[ "$code" = 200 ] && pass || fail "forecast accepted: $code $(cat "$TMP/post.json")"
expect_json "$TMP/post.json" '.signals.price.forecasts_taken == 1 and .signals.price.forecast_changed_s != null' "forecast taken"
for _ in $(seq 50); do
  curl -sf "$SERVE_URL/api/v1/jobs" >"$TMP/jobs2.json"
  [ "$(jq ".jobs[] | select(.name == \"billing-run\") | .planned_start_s == $target" "$TMP/jobs2.json")" = true ] && break
  sleep 0.1
done
expect_json "$TMP/jobs2.json" ".jobs[] | select(.name == \"billing-run\") | .planned_start_s == $target and .replans == 1 and .last_replan.previous_start_s == $planned and (.last_replan.reason | test(\"price forecast changed\"))" "billing-run moved to the new cheapest hour ($planned -> $target s)"
expect_json "$TMP/jobs2.json" '.replan.runs >= 1 and .replan.moves >= 1' "re-plan counted"
jq -s '[.[0].jobs[] as $a | .[1].jobs[] | select(.name == $a.name and $a.state != "waiting") | .planned_start_s == $a.planned_start_s and .started_s == $a.started_s] | all' "$TMP/jobs.json" "$TMP/jobs2.json" >"$TMP/kept"
[ "$(cat "$TMP/kept")" = true ] && pass || fail "started jobs were moved"
jq -e '[.jobs[] | select(.state != "waiting")] | length > 0' "$TMP/jobs.json" >/dev/null && pass || fail "no job had started before the forecast: the check above proved nothing"
curl -sf "$SERVE_URL/api/v1/events?type=replan&from=0&limit=100" >"$TMP/events.json"
expect_json "$TMP/events.json" "[.events[] | select(.job == \"billing-run\" and .previous_start_s == $planned and .new_start_s == $target and .host == null)] | length == 1" "re-plan event recorded"
code=$(post "/api/v1/signals/forecast?kind=price&unit=eur_per_mwh&points=70000:5,69000:5")
[ "$code" = 400 ] && grep -q "out of order" "$TMP/post.json" && pass || fail "bad forecast refused: $code $(cat "$TMP/post.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$SERVE_URL/api/v1/signals/forecast?kind=price&unit=eur_per_mwh&points=70000:5")
[ "$code" = 401 ] && pass || fail "forecast without token: $code"

# Admission control: a job in an empty hour after the day fits once; the
# same hour cannot take a second one of 300 cores.
code=$(post "/api/v1/jobs?name=fill1&release=90000&deadline=93600&duration_s=3600&power_kw=5&cpu=300")
[ "$code" = 201 ] && pass || fail "job admitted: $code $(cat "$TMP/post.json")"
expect_json "$TMP/post.json" '.jobs[] | select(.name == "fill1") | .planned_start_s == 90000 and .from == "api" and .state == "waiting"' "admitted job queued"
code=$(post "/api/v1/jobs?name=fill2&release=90000&deadline=93600&duration_s=3600&power_kw=5&cpu=300")
[ "$code" = 409 ] && grep -q "capacity left" "$TMP/post.json" && pass || fail "no capacity left: $code $(cat "$TMP/post.json")"
code=$(post "/api/v1/jobs?name=fill1&deadline=now%2B86400&duration_s=3600&power_kw=5&cpu=1")
[ "$code" = 409 ] && grep -q "already queued" "$TMP/post.json" && pass || fail "duplicate name: $code $(cat "$TMP/post.json")"
code=$(post "/api/v1/jobs?name=late&deadline=now%2B600&duration_s=3600&power_kw=5&cpu=1")
[ "$code" = 422 ] && grep -q "cannot meet its deadline" "$TMP/post.json" && pass || fail "impossible deadline: $code $(cat "$TMP/post.json")"
code=$(post "/api/v1/jobs?name=nodur&deadline=now%2B86400&power_kw=5")
[ "$code" = 400 ] && grep -q "duration_s: missing" "$TMP/post.json" && pass || fail "missing field: $code $(cat "$TMP/post.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$SERVE_URL/api/v1/jobs?name=x&deadline=now%2B86400&duration_s=60&power_kw=1")
[ "$code" = 401 ] && pass || fail "job without token: $code"

# The polled URL returns garbage, then goes down: the last good value stays
# (12.5 kW), the error is reported, and it turns stale after --signal-max-age.
printf '<html>502 Bad Gateway</html>\n' >"$TMP/www/sig.json"
for _ in $(seq 50); do
  curl -sf "$SERVE_URL/api/v1/signals" >"$TMP/sig.json"
  [ "$(jq '.poll_error | test("not a JSON object")' "$TMP/sig.json")" = true ] && break
  sleep 0.1
done
expect_json "$TMP/sig.json" '(.poll_error | test("not a JSON object")) and .signals.renewable.live_value == 12.5' "garbage poll refused, value kept"
kill "$WEB_PID" 2>/dev/null
wait "$WEB_PID" 2>/dev/null
for _ in $(seq 100); do
  curl -sf "$SERVE_URL/api/v1/signals" >"$TMP/sig.json"
  [ "$(jq '(.poll_error | test("onnect")) and .signals.renewable.stale' "$TMP/sig.json")" = true ] && break
  sleep 0.1
done
expect_json "$TMP/sig.json" '(.poll_error | test("polling http://127.0.0.1")) and .signals.renewable.stale and .signals.renewable.live_value == 12.5 and .signals.renewable.source != "live"' "URL down: last value kept, flagged stale, error shown"

expect_fail 2 "unknown objective 'fast'" "bad objective" -- serve --objective fast
expect_fail 1 "is not http:// or https://" "bad URL" -- serve --listen 127.0.0.1:0 --signals-url ftp://x
finish
