#!/usr/bin/env bash
# serve_manual.sh - manual mode: the plan waits with an id, is approved by
# `geyser apply` (bearer token) or the API, stale ids get 409, discard, and
# the audit log records intents and outcomes with the plan id, in memory
# and in the store.
source "$(dirname "$0")/lib.bash"

head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$TMP/token"
start_serve --mode manual --token-file "$TMP/token" --store "sqlite:$TMP/s.db"
AUTH="Authorization: Bearer $(cat "$TMP/token")"

curl -sf "$SERVE_URL/api/v1/plan" >"$TMP/plan.json"
expect_json "$TMP/plan.json" '.mode == "manual" and .waiting == true and .id >= 1' "a plan waits"
expect_json "$TMP/plan.json" '[.actions[].outcome] | all(. == "planned") and length > 0' "nothing done yet"
ID=$(jq .id "$TMP/plan.json")
# Still the same plan after a few control intervals (speed 300: one a second).
sleep 2
curl -sf "$SERVE_URL/api/v1/plan" >"$TMP/plan2.json"
expect_json "$TMP/plan2.json" ".id == $ID and .waiting == true" "the plan keeps its id while it waits"

expect_fail 1 "needs an 'Authorization: Bearer TOKEN'" "apply without token" -- apply "$ID" --url "$SERVE_URL"
expect_fail 1 "is not the current plan" "stale id" -- apply 999 --url "$SERVE_URL" --token-file "$TMP/token"
expect_fail 2 "not a positive whole number" "bad id" -- apply abc --url "$SERVE_URL"
expect_fail 2 "expected one PLAN_ID" "no id" -- apply --url "$SERVE_URL"
expect_fail 1 "cannot reach the daemon" "no daemon there" -- apply 1 --url "http://127.0.0.1:$(free_port)"
expect_fail 1 "cannot open the token file" "missing token file" -- apply 1 --url "$SERVE_URL" --token-file "$TMP/nope"
code=$(curl -s -o "$TMP/409.json" -w '%{http_code}' -XPOST -H "$AUTH" "$SERVE_URL/api/v1/plan/999/apply")
[ "$code" = 409 ] && pass || fail "stale id over the API: HTTP $code"
expect_json "$TMP/409.json" '.error | test("not the current plan")' "409 says why"

"$GEYSER" apply "$ID" --url "$SERVE_URL" --token-file "$TMP/token" >"$TMP/apply.out" 2>&1 \
  && pass || fail "geyser apply $ID: $(cat "$TMP/apply.out")"
grep -q "plan $ID applied" "$TMP/apply.out" && pass || fail "apply output: $(head -3 "$TMP/apply.out")"
grep -Eq '^[0-9]+ done' "$TMP/apply.out" && ! grep -q '^0 done' "$TMP/apply.out" \
  && pass || fail "nothing done: $(tail -1 "$TMP/apply.out")"
expect_fail 1 "(HTTP 409)" "apply twice (already applied, or replaced by the next plan)" -- apply "$ID" --url "$SERVE_URL" --token-file "$TMP/token"

# The audit log: every executed action has an intent and an outcome.
curl -sf "$SERVE_URL/api/v1/audit?plan=$ID&limit=2000" >"$TMP/audit.json"
expect_json "$TMP/audit.json" ".records | length > 0 and all(.plan == $ID and .daemon_mode == \"manual\")" "audit of the plan"
expect_json "$TMP/audit.json" '.records | all(.outcome != null)' "every record has its outcome"
done_n=$(jq '[.records[] | select(.outcome == "done")] | length' "$TMP/audit.json")
intents=$(sqlite3 "$TMP/s.db" "SELECT count(*) FROM events WHERE kind='intent' AND json_extract(detail,'\$.plan')=$ID")
outcomes=$(sqlite3 "$TMP/s.db" "SELECT count(*) FROM events WHERE kind='outcome' AND json_extract(detail,'\$.plan')=$ID")
[ "$intents" -gt 0 ] && [ "$intents" = "$outcomes" ] && pass || fail "store: $intents intents, $outcomes outcomes"
[ "$intents" -ge "$done_n" ] && pass || fail "store: $intents intents for $done_n done"

# The next plan comes at the next control interval; discard it.
for _ in $(seq 50); do
  curl -sf "$SERVE_URL/api/v1/plan" >"$TMP/next.json"
  [ "$(jq -r ".id > $ID and .waiting" "$TMP/next.json")" = true ] && break
  sleep 0.2
done
NEXT=$(jq .id "$TMP/next.json")
if [ "$(jq -r '.waiting' "$TMP/next.json")" = true ]; then
  "$GEYSER" apply "$NEXT" --discard --url "$SERVE_URL" --token-file "$TMP/token" >"$TMP/discard.out" 2>&1 \
    && pass || fail "discard: $(cat "$TMP/discard.out")"
  curl -sf "$SERVE_URL/api/v1/plan" >"$TMP/after.json"
  expect_json "$TMP/after.json" "(.id == $NEXT and ([.actions[].outcome] | all(. == \"discarded\"))) or .id > $NEXT" "discarded"
else
  pass # the cloud needed nothing more: no plan waits
fi

# Switching to auto over the API: plans are no longer held.
code=$(curl -s -o /dev/null -w '%{http_code}' -XPOST -H "$AUTH" "$SERVE_URL/api/v1/mode?mode=auto")
[ "$code" = 200 ] && pass || fail "mode auto: HTTP $code"
finish
