#!/usr/bin/env bash
# serve_crash.sh - a daemon killed mid-plan (SIGKILL between an action and
# the record of its outcome, by fault injection so that the window is hit
# every time), then restarted on the same store and the same simulated
# cloud (--sim-state: the cloud outlives the daemon): the action left
# without outcome is reconciled against the cloud and not repeated, none
# is forgotten, hosts geyser disabled stay geyser's, and no host is ever
# powered off with a VM on it.
source "$(dirname "$0")/lib.bash"

DB="$TMP/s.db"
ST="$TMP/cloud.json"
GEYSER_TEST_KILL_BEFORE_OUTCOME=8 "$GEYSER" serve --listen 127.0.0.1:0 --mode auto \
  --store "sqlite:$DB" --sim-state "$ST" 2>"$TMP/run1.err" &
pid=$!
wait "$pid" 2>/dev/null; rc=$?
[ "$rc" -eq 137 ] && pass || fail "first run: exit $rc, wanted 137 (SIGKILL): $(cat "$TMP/run1.err")"

q() { sqlite3 "$DB" "$1"; }
intents1=$(q "SELECT count(*) FROM events WHERE kind='intent'")
outcomes1=$(q "SELECT count(*) FROM events WHERE kind='outcome'")
[ "$intents1" -ge 8 ] && [ "$outcomes1" -eq $((intents1 - 1)) ] && pass \
  || fail "after the kill: $intents1 intents, $outcomes1 outcomes (wanted one pending)"
# The pending one: an intent with no outcome of the same plan and action.
PENDING="SELECT i.id FROM events i WHERE i.kind='intent' AND NOT EXISTS (SELECT 1 FROM events o
  WHERE o.kind='outcome' AND json_extract(o.detail,'\$.plan')=json_extract(i.detail,'\$.plan')
  AND json_extract(o.detail,'\$.action')=json_extract(i.detail,'\$.action'))"
pend=$(q "$PENDING")
[ -n "$pend" ] && pass || fail "no pending intent found"
ptype=$(q "SELECT json_extract(detail,'\$.type') FROM events WHERE id=$pend")
pvm=$(q "SELECT vm FROM events WHERE id=$pend")
ptarget=$(q "SELECT json_extract(detail,'\$.target') FROM events WHERE id=$pend")
maxplan1=$(q "SELECT max(json_extract(detail,'\$.plan')) FROM events WHERE kind='intent'")
lastid1=$(q "SELECT max(id) FROM events")
[ "$ptype" = migrate ] && [ -n "$pvm" ] && pass || fail "pending action: '$ptype' '$pvm' (wanted a migration)"
# The cloud kept what the killed daemon did: the VM is on its target.
[ "$(jq -r --arg vm "$pvm" '.vms[] | select(.name == $vm) | .host' "$ST")" = "$ptarget" ] \
  && pass || fail "the cloud's state does not show $pvm on $ptarget"

start_serve --mode auto --store "sqlite:$DB" --sim-state "$ST"
grep -q "reconciled 1 action(s) left without outcome (1 done, 0 abandoned)" "$TMP/serve.err" \
  && pass || fail "restart: $(cat "$TMP/serve.err")"
curl -sf "$SERVE_URL/api/v1/audit?limit=5" >"$TMP/audit.json"
expect_json "$TMP/audit.json" '.reconciled.pending == 1 and .reconciled.done == 1' "reconciled over the API"
expect_json "$TMP/audit.json" '.reconciled.retracked >= 1' "hosts geyser disabled are geyser's again"
sleep 3 # a few control intervals of the restarted daemon
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null

# None forgotten: every intent has exactly one outcome.
unsettled=$(q "SELECT count(*) FROM ($PENDING)")
[ "$unsettled" -eq 0 ] && pass || fail "$unsettled intent(s) still without outcome"
dups=$(q "SELECT count(*) FROM (SELECT json_extract(detail,'\$.plan') p, json_extract(detail,'\$.action') a, kind
  FROM events WHERE kind IN ('intent','outcome') GROUP BY p, a, kind HAVING count(*) > 1)")
[ "$dups" -eq 0 ] && pass || fail "$dups actions recorded twice"
q "SELECT json_extract(detail,'\$.outcome') || ' ' || json_extract(detail,'\$.detail') FROM events
   WHERE kind='outcome' AND json_extract(detail,'\$.plan')=(SELECT json_extract(detail,'\$.plan') FROM events WHERE id=$pend)
   AND json_extract(detail,'\$.action')=(SELECT json_extract(detail,'\$.action') FROM events WHERE id=$pend)" >"$TMP/settled"
grep -q "^done reconciled: VM $pvm is on $ptarget" "$TMP/settled" && pass || fail "settled as: $(cat "$TMP/settled")"
# Not repeated: the restarted daemon never migrated that VM to that host again.
again=$(q "SELECT count(*) FROM events WHERE kind='intent' AND id > $lastid1 AND vm='$pvm'
  AND json_extract(detail,'\$.target')='$ptarget'")
[ "$again" -eq 0 ] && pass || fail "the migration of $pvm to $ptarget was repeated ($again times)"
# Plan ids go on from where the first run stopped.
minplan2=$(q "SELECT min(json_extract(detail,'\$.plan')) FROM events WHERE kind='intent' AND id > $lastid1")
[ -z "$minplan2" ] || [ "$minplan2" -gt "$maxplan1" ] && pass || fail "plan ids restarted: $minplan2 <= $maxplan1"
new=$(q "SELECT count(*) FROM events WHERE kind='intent' AND id > $lastid1")
[ "$new" -gt 0 ] && pass || fail "the restarted daemon did nothing"
# Never a host off with a VM on it.
bad=$(jq '[.hosts[] | select(.state != "on") | .name] as $off | [.vms[] | select(.host as $h | $off | index($h))] | length' "$ST")
[ "$bad" -eq 0 ] && pass || fail "$bad VM(s) on hosts that are not on"
off=$(jq '[.hosts[] | select(.state == "off" or .state == "shutting_down")] | length' "$ST")
[ "$off" -gt 0 ] && pass || fail "no host was powered off: the scenario did not exercise power-off"
finish
