#!/usr/bin/env bash
# serve_libvirt_restart.sh - on a libvirt cloud the "disabled" mark is
# geyser's own and lives in the daemon's memory (libvirt has no scheduler).
# With --store, a restart restores it from the audit log: a host geyser
# disabled (approved plan, manual mode) is disabled by geyser again before
# the first plan, after a clean stop (SIGTERM) and after a crash (SIGKILL),
# and the disable is not repeated. Without a store the start-up log says
# the marks are lost.
source "$(dirname "$0")/lib.bash"

# Two test-driver hosts of 8 CPUs, one 1-vCPU VM each (12.5 %, under the
# 20 % threshold): the plan disables one host and evacuates it.
libvirt_test_node a web-1 1
libvirt_test_node b web-2 2
head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$TMP/token"
AUTH="Authorization: Bearer $(cat "$TMP/token")"
HOSTS="a=test://$TMP/a.xml,b=test://$TMP/b.xml"

# disabled_hosts: the names of the hosts disabled by geyser, sorted, joined.
disabled_hosts() {
  curl -sf "$SERVE_URL/api/v1/hosts" |
    jq -r '[.hosts[] | select(.enabled == false and .disabled_by_geyser == true) | .name] | sort | join(",")'
}

# restart_case SIGNAL
restart_case() {
  local sig=$1 db="$TMP/$1.db" label="after SIG$1"
  start_serve --libvirt "$HOSTS" --interval 1 --mode manual --token-file "$TMP/token" \
    --store "sqlite:$db"
  local id="" plan="$TMP/$sig-plan.json"
  for _ in $(seq 50); do
    curl -sf "$SERVE_URL/api/v1/plan" >"$plan"
    [ "$(jq -r .waiting "$plan")" = true ] && break
    sleep 0.2
  done
  expect_json "$plan" '[.actions[] | select(.type == "disable")] | length == 1' "$label: the plan disables a host"
  local host
  host=$(jq -r '.actions[] | select(.type == "disable") | .host' "$plan")
  id=$(jq .id "$plan")
  local code
  code=$(curl -s -o "$TMP/$sig-apply.json" -w '%{http_code}' -XPOST -H "$AUTH" "$SERVE_URL/api/v1/plan/$id/apply")
  [ "$code" = 200 ] && pass || fail "$label: apply: HTTP $code $(cat "$TMP/$sig-apply.json")"
  expect_json "$TMP/$sig-apply.json" '[.actions[] | select(.type == "disable" and .outcome == "done")] | length == 1' "$label: disable done"
  [ "$(disabled_hosts)" = "$host" ] && pass || fail "$label: before the stop, disabled by geyser: '$(disabled_hosts)', wanted $host"

  kill -"$sig" "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
  start_serve --libvirt "$HOSTS" --interval 1 --mode manual --token-file "$TMP/token" \
    --store "sqlite:$db"
  # Restored before the first plan (which comes one interval after start).
  [ "$(disabled_hosts)" = "$host" ] && pass ||
    fail "$label: after the restart, disabled by geyser: '$(disabled_hosts)', wanted $host"
  grep -q "1 host(s) disabled again by geyser" "$TMP/serve.err" && pass ||
    fail "$label: restart log: $(cat "$TMP/serve.err")"
  ! grep -q "no --store" "$TMP/serve.err" && pass || fail "$label: warned about a missing store"
  # Let the restarted daemon plan (ids resume above the log's), then check
  # the disable was neither repeated nor undone.
  for _ in $(seq 50); do
    curl -sf "$SERVE_URL/api/v1/plan" >"$plan"
    [ "$(jq -r .id "$plan")" -gt "$id" ] && break
    sleep 0.2
  done
  expect_json "$plan" ".id > $id and ([.actions[] | select(.type == \"disable\" and .host == \"$host\")] | length == 0)" "$label: no disable of $host planned again"
  [ "$(disabled_hosts)" = "$host" ] && pass || fail "$label: after the first plan, disabled by geyser: '$(disabled_hosts)'"
  local n
  n=$(sqlite3 "$db" "SELECT count(*) FROM events WHERE kind='intent' AND host='$host' AND json_extract(detail,'\$.type')='disable'")
  [ "$n" = 1 ] && pass || fail "$label: $n disable intents for $host in the store, wanted 1"
  kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
}
restart_case TERM
restart_case KILL

# Without a store the marks cannot survive: the start-up log says so.
"$GEYSER" serve --libvirt test:///default --listen 127.0.0.1:0 --run-for 0.5 --interval 0.5 \
  2>"$TMP/nostore.err" && pass || fail "test:///default: $(cat "$TMP/nostore.err")"
grep -q "no --store: the hosts geyser disables on this libvirt cloud are enabled again after a restart" \
  "$TMP/nostore.err" && pass || fail "no-store warning: $(cat "$TMP/nostore.err")"
finish
