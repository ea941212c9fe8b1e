#!/usr/bin/env bash
# serve_crash.sh - a daemon killed mid-plan (SIGKILL between an action and
# the record of its outcome, by fault injection so that the window is hit
# every time: GEYSER_TEST_KILL_BEFORE_OUTCOME), then restarted on the same
# store and the same simulated cloud (--sim-state: the cloud outlives the
# daemon): the action left without outcome is reconciled against the cloud
# and not repeated, none is forgotten, hosts geyser disabled stay geyser's,
# a host an operator disabled while geyser was down is left alone, and no
# host is ever powered off with a VM on it. Twice: killed during a
# migration, and during a power-off.
source "$(dirname "$0")/lib.bash"

q() { sqlite3 "$DB" "$1"; }
PENDING="SELECT i.id FROM events i WHERE i.kind='intent' AND NOT EXISTS (SELECT 1 FROM events o
  WHERE o.kind='outcome' AND json_extract(o.detail,'\$.plan')=json_extract(i.detail,'\$.plan')
  AND json_extract(o.detail,'\$.action')=json_extract(i.detail,'\$.action'))"

# crash_and_restart KILL_SPEC EXPECTED_TYPE
crash_and_restart() {
  local spec=$1 want=$2 label="killed at $1"
  DB="$TMP/$want.db"; ST="$TMP/$want.json"
  GEYSER_TEST_KILL_BEFORE_OUTCOME=$spec "$GEYSER" serve --listen 127.0.0.1:0 --mode auto \
    --store "sqlite:$DB" --sim-state "$ST" 2>"$TMP/run1.err" &
  local pid=$!
  wait "$pid" 2>/dev/null; local rc=$?
  [ "$rc" -eq 137 ] && pass || { fail "$label: exit $rc, wanted 137 (SIGKILL): $(cat "$TMP/run1.err")"; return; }

  local intents1 outcomes1 pend ptype phost pvm ptarget maxplan1 lastid1
  intents1=$(q "SELECT count(*) FROM events WHERE kind='intent'")
  outcomes1=$(q "SELECT count(*) FROM events WHERE kind='outcome'")
  [ "$outcomes1" -eq $((intents1 - 1)) ] && pass || fail "$label: $intents1 intents, $outcomes1 outcomes (wanted one pending)"
  pend=$(q "$PENDING")
  ptype=$(q "SELECT json_extract(detail,'\$.type') FROM events WHERE id=$pend")
  phost=$(q "SELECT host FROM events WHERE id=$pend")
  pvm=$(q "SELECT coalesce(vm,'') FROM events WHERE id=$pend")
  ptarget=$(q "SELECT coalesce(json_extract(detail,'\$.target'),'') FROM events WHERE id=$pend")
  maxplan1=$(q "SELECT max(json_extract(detail,'\$.plan')) FROM events WHERE kind='intent'")
  lastid1=$(q "SELECT max(id) FROM events")
  [ "$ptype" = "$want" ] && pass || fail "$label: pending action '$ptype', wanted $want"
  echo "$label: pending $ptype $phost $pvm $ptarget (plan $maxplan1)" >&2

  # While geyser is down an operator disables a host that holds VMs.
  local ophost
  ophost=$(jq -r '([.vms[].host] | unique) as $used | [.hosts[] | select(.enabled and .state == "on" and (.name as $n | $used | index($n)))][0].name' "$ST")
  [ -n "$ophost" ] && [ "$ophost" != null ] && pass || fail "$label: no enabled host with VMs to disable"
  jq --arg h "$ophost" '(.hosts[] | select(.name == $h) | .enabled) = false' "$ST" >"$ST.new" && mv "$ST.new" "$ST"

  echo "$label: operator disables $ophost" >&2
  start_serve --mode auto --store "sqlite:$DB" --sim-state "$ST"
  grep -q "reconciled 1 action(s) left without outcome (1 done, 0 abandoned)" "$TMP/serve.err" \
    && pass || fail "$label: restart: $(cat "$TMP/serve.err")"
  curl -sf "$SERVE_URL/api/v1/audit?limit=5" >"$TMP/audit.json"
  expect_json "$TMP/audit.json" '.reconciled.pending == 1 and .reconciled.done == 1' "$label: reconciled over the API"
  expect_json "$TMP/audit.json" '.reconciled.retracked >= 1' "$label: hosts geyser disabled are geyser's again"
  sleep 3 # a few control intervals of the restarted daemon
  kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null

  # None forgotten: every intent has exactly one outcome, none twice.
  [ "$(q "SELECT count(*) FROM ($PENDING)")" -eq 0 ] && pass || fail "$label: intents still without outcome"
  local dups
  dups=$(q "SELECT count(*) FROM (SELECT json_extract(detail,'\$.plan') p, json_extract(detail,'\$.action') a, kind
    FROM events WHERE kind IN ('intent','outcome') GROUP BY p, a, kind HAVING count(*) > 1)")
  [ "$dups" -eq 0 ] && pass || fail "$label: $dups actions recorded twice"
  local settled
  settled=$(q "SELECT json_extract(o.detail,'\$.outcome') || ' ' || json_extract(o.detail,'\$.detail') FROM events o, events i
    WHERE i.id=$pend AND o.kind='outcome' AND json_extract(o.detail,'\$.plan')=json_extract(i.detail,'\$.plan')
    AND json_extract(o.detail,'\$.action')=json_extract(i.detail,'\$.action')")
  grep -q "^done reconciled: " <<<"$settled" && pass || fail "$label: settled as: $settled"
  # Not repeated by the restarted daemon.
  local again
  again=$(q "SELECT count(*) FROM events WHERE kind='intent' AND id > $lastid1 AND host='$phost'
    AND json_extract(detail,'\$.type')='$ptype' AND coalesce(vm,'')='$pvm'
    AND coalesce(json_extract(detail,'\$.target'),'')='$ptarget'")
  [ "$again" -eq 0 ] && pass || fail "$label: $ptype $phost $pvm $ptarget was repeated ($again times)"
  # Plan ids go on from where the first run stopped; the new run did act.
  local minplan2 new
  minplan2=$(q "SELECT min(json_extract(detail,'\$.plan')) FROM events WHERE kind='intent' AND id > $lastid1")
  new=$(q "SELECT count(*) FROM events WHERE kind='intent' AND id > $lastid1")
  [ "$new" -gt 0 ] && [ "$minplan2" -gt "$maxplan1" ] && pass || fail "$label: $new new intents, plan ids $minplan2 after $maxplan1"
  # The operator's host was left alone: nothing on it, nothing to it.
  local touched
  touched=$(q "SELECT count(*) FROM events WHERE kind='intent' AND id > $lastid1
    AND (host='$ophost' OR json_extract(detail,'\$.target')='$ophost')")
  [ "$touched" -eq 0 ] && pass || fail "$label: the operator's host $ophost was touched $touched times"
  jq -e --arg h "$ophost" '.hosts[] | select(.name == $h) | (.enabled | not) and .state == "on"' "$ST" >/dev/null \
    && pass || fail "$label: the operator's host $ophost changed"
  # Never a host off with a VM on it.
  local bad
  bad=$(jq '[.hosts[] | select(.state != "on") | .name] as $off | [.vms[] | select(.host as $h | $off | index($h))] | length' "$ST")
  [ "$bad" -eq 0 ] && pass || fail "$label: $bad VM(s) on hosts that are not on"
}

crash_and_restart 8 migrate
crash_and_restart power_off:1 power_off
off=$(jq '[.hosts[] | select(.state == "off" or .state == "shutting_down")] | length' "$TMP/power_off.json")
[ "$off" -gt 0 ] && pass || fail "no host is off: the scenario did not exercise power-off"
finish
