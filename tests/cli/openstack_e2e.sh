#!/usr/bin/env bash
# openstack_e2e.sh - the paper's 3-node experiment on a real OpenStack, end
# to end, and the demo of it (docs/openstack.md, "The 3-node demo"):
#   a real OpenStack Zed control plane with three fake compute hosts
#   (tests/openstack/start.sh), one ipmi_sim BMC per compute host
#   (tests/ipmi/start-bmc.sh), nine servers spread over the three hosts,
#   and `geyser serve --mode auto` against the cloud with a power file
#   mapping each compute host to its BMC and a per-VM utilization file.
#   Light load: geyser disables hosts, evacuates them by live migration and
#   powers them off through their BMCs (checked: the BMC's host is off, Nova
#   counts zero servers on the host, every server still ACTIVE). Then the
#   load rises (the utilization file changes) while the BMC of one of the
#   powered-off hosts no longer answers: geyser marks that host failed,
#   disables it and never tries it again, and wakes the other (checked: the
#   BMC's host is on, the compute service up, the host enabled) and moves
#   servers to it.
# Stops what it started, by PID, on every exit path (a cloud that was already
# running is left running). Needs root (the control plane); skipped otherwise.
# Progress is narrated on stderr, so that it reads as the demo.
. "$(dirname "$0")/lib.bash"
OSDIR=$(cd "$(dirname "$0")/../openstack" && pwd)
IPMI_DIR=$(cd "$(dirname "$0")/../ipmi" && pwd)
export OS_AIO_DIR=${GEYSER_OPENSTACK_DIR:-/tmp/geyser-openstack}
if [ "$(id -u)" -ne 0 ]; then
  echo "openstack_e2e: skipped: needs root to install and run the OpenStack control plane" >&2
  exit 0
fi
command -v ipmi_sim >/dev/null || { fail "ipmi_sim missing (Debian package openipmi)"; finish; exit 1; }
t0=$SECONDS
say() { echo "[e2e $((SECONDS - t0))s] $*" >&2; }
# The OpenStack tests take turns: the cloud has fixed ports.
exec 9>/tmp/geyser-openstack.lock
flock 9

started=false
serve_pid=""
bmcs=()
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; fi
  if [ -n "${token:-}" ]; then
    delete_ours 2>/dev/null
    enable_geysers 2>/dev/null
  fi
  for b in "${bmcs[@]}"; do "$IPMI_DIR/stop-bmc.sh" "$b" >/dev/null 2>&1; done
  if $started; then "$OSDIR/stop.sh" >"$TMP/stop.log" 2>&1 || cat "$TMP/stop.log" >&2; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ ! -s "$OS_AIO_DIR/run/keystone.pid" ] && port_open 5000; then
  echo "openstack_e2e: skipped: 127.0.0.1:5000 is taken by a cloud this test did not start" >&2
  exit 0
fi
[ -s "$OS_AIO_DIR/run/keystone.pid" ] || started=true
say "starting the OpenStack control plane (tests/openstack/start.sh)"
if ! "$OSDIR/start.sh" >"$TMP/start.log" 2>&1 9>&-; then
  tail -30 "$TMP/start.log" >&2
  fail "tests/openstack/start.sh failed"
  finish
  exit 1
fi
t_ready=$SECONDS
say "cloud ready"
# shellcheck disable=SC1091
. "$OS_AIO_DIR/openrc"

token=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$OS_USERNAME\",\"domain\":{\"name\":\"Default\"},\"password\":\"$OS_PASSWORD\"}}},\"scope\":{\"project\":{\"name\":\"$OS_PROJECT_NAME\",\"domain\":{\"name\":\"Default\"}}}}}" \
  "$OS_AUTH_URL/auth/tokens" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}')
NOVA=http://127.0.0.1:8774/v2.1
nova() { curl -s -H "X-Auth-Token: $token" -H 'OpenStack-API-Version: compute 2.79' \
  -H 'Content-Type: application/json' "$@"; }
delete_ours() {
  nova "$NOVA/servers?all_tenants=1" | jq -r '.servers[] | select(.name|startswith("geyser-e2e-")) | .id' |
    while read -r id; do nova -X DELETE "$NOVA/servers/$id"; done
}
# The other OpenStack test's servers: a run stopped while deleting them
# leaves them in the database, and they would count on their hosts here.
delete_others() {
  nova "$NOVA/servers?all_tenants=1" | jq -r '.servers[] | select(.name|test("^geyser-(e2e|it)-")) | select(.name|startswith("geyser-e2e-")|not) | .id' |
    while read -r id; do nova -X DELETE "$NOVA/servers/$id"; done
}
# Compute services geyser left disabled (an earlier run, or this one): enabled again.
enable_geysers() {
  nova "$NOVA/os-services?binary=nova-compute" |
    jq -r '.services[] | select(.status=="disabled" and ((.disabled_reason // "")|startswith("geyser: "))) | .id' |
    while read -r id; do nova -X PUT -d '{"status":"enabled"}' "$NOVA/os-services/$id" >/dev/null; done
}
delete_ours
delete_others
enable_geysers
for _ in $(seq 120); do
  n=$(nova "$NOVA/servers?all_tenants=1" | jq '[.servers[] | select(.name|test("^geyser-(e2e|it)-"))] | length')
  [ "$n" = 0 ] && break
  sleep 1
done

# ---- one BMC per compute host, each host powered on ----
say "starting three ipmi_sim BMCs, one per compute host"
for c in 1 2 3; do
  port=$(free_port)
  bmcs+=("$TMP/bmc$c")
  mkdir -p "$TMP/bmc$c"
  if ! INITIAL_POWER=on SOFT_DELAY=1 "$IPMI_DIR/start-bmc.sh" "$port" "$TMP/bmc$c" >/dev/null; then
    fail "BMC of compute$c did not start: $(tail -3 "$TMP/bmc$c/ipmi_sim.log" 2>/dev/null)"
    finish
    exit 1
  fi
  eval "port$c=$port"
done
bmc_state() { cat "$TMP/bmc${1#compute}/host.state" 2>/dev/null | tr -d '[:space:]'; }
cat >"$TMP/power.ini" <<INI
[power]
bmc_timeout = 20
service_timeout = 90
attempts = 2
soft_off_first = yes
INI
for c in 1 2 3; do
  eval "p=\$port$c"
  cat >>"$TMP/power.ini" <<INI

[host "compute$c"]
driver = ipmi
address = 127.0.0.1:$p
user = admin
password = password
timeout = 2
INI
done

# ---- nine servers spread over the three hosts ----
say "booting nine servers, three on each compute host"
image=$(curl -s -H "X-Auth-Token: $token" 'http://127.0.0.1:9292/v2/images?name=tiny' | jq -r '.images[0].id')
for i in 1 2 3 4 5 6 7 8 9; do
  c=$(( (i - 1) % 3 + 1 ))
  nova -d "{\"server\":{\"name\":\"geyser-e2e-$i\",\"imageRef\":\"$image\",\"flavorRef\":\"1\",\"networks\":\"none\",\"availability_zone\":\"nova:compute$c\"}}" \
    "$NOVA/servers" >/dev/null
done
active() { nova "$NOVA/servers/detail?all_tenants=1" | jq '[.servers[] | select(.name|startswith("geyser-e2e-")) | select(.status=="ACTIVE")] | length'; }
for _ in $(seq 180); do
  n=$(active)
  [ "$n" = 9 ] && break
  sleep 1
done
[ "$n" = 9 ] && pass || fail "9 servers ACTIVE (got $n)"
on_host() { nova "$NOVA/servers?all_tenants=1&host=$1" | jq '.servers | length'; }
spread="$(on_host compute1) $(on_host compute2) $(on_host compute3)"
[ "$spread" = "3 3 3" ] && pass || fail "servers per host compute1..3: $spread, wanted 3 3 3"
say "servers per host: $spread"

# ---- geyser serve in auto mode, light load ----
cat >"$TMP/clouds.yaml" <<YAML
clouds:
  e2e:
    auth:
      auth_url: $OS_AUTH_URL
      username: $OS_USERNAME
      password: $OS_PASSWORD
      project_name: $OS_PROJECT_NAME
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
YAML
echo '* 0.1   # every server: 10 % of its vCPU' >"$TMP/util"
say "geyser serve --mode auto, every server at 10 % CPU"
( # the cloud comes from clouds.yaml alone
  for v in $(env | grep -o '^OS_[A-Z_]*'); do unset "$v"; done
  export OS_CLIENT_CONFIG_FILE=$TMP/clouds.yaml
  exec "$GEYSER" serve --os-cloud e2e --mode auto --power "$TMP/power.ini" --vm-util "$TMP/util" \
    --interval 3 --cooldown 0 --listen 127.0.0.1:0 2>"$TMP/serve.log"
) &
serve_pid=$!
url=""
for _ in $(seq 100); do
  port=$(grep -o '(port [0-9]*' "$TMP/serve.log" 2>/dev/null | cut -d' ' -f2)
  [ -n "$port" ] && { url=http://127.0.0.1:$port; break; }
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 0.2
done
[ -n "$url" ] || { fail "geyser serve did not start: $(cat "$TMP/serve.log")"; finish; exit 1; }
status() { curl -s "$url/api/v1/hosts" >"$TMP/status.json" 2>/dev/null; }
n_off() { jq '[.hosts[] | select(.name|startswith("compute")) | select(.state=="off")] | length' "$TMP/status.json" 2>/dev/null; }

# Two hosts should go: 0.9 vCPU of demand fits on one host. Wait for both,
# and for the power operations to have finished.
off=0
for _ in $(seq 200); do
  status
  off=$(n_off)
  busy=$(jq '[.hosts[] | select(.state=="shutting_down" or .state=="booting")] | length' "$TMP/status.json" 2>/dev/null)
  [ "${off:-0}" -ge 2 ] && [ "$busy" = 0 ] && break
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 1
done
t_off=$SECONDS
say "hosts powered off by geyser: $off"
[ "${off:-0}" -ge 2 ] && pass || fail "two hosts powered off (got ${off:-0}); log: $(tail -20 "$TMP/serve.log")"
offhosts=$(jq -r '.hosts[] | select(.name|startswith("compute")) | select(.state=="off") | .name' "$TMP/status.json")
for h in $offhosts; do
  [ "$(bmc_state "$h")" = off ] && pass || fail "$h: BMC reports its host '$(bmc_state "$h")', wanted off"
  [ "$(on_host "$h")" = 0 ] && pass || fail "$h: Nova still counts $(on_host "$h") servers on it"
  r=$(nova "$NOVA/os-services?binary=nova-compute&host=$h" | jq -r '.services[0] | .status + " " + .disabled_reason')
  case $r in "disabled geyser: "*) pass ;; *) fail "$h: Nova service '$r', wanted disabled by geyser" ;; esac
  say "$h: BMC says $(bmc_state "$h"), Nova counts $(on_host "$h") servers, service $r"
done
[ "$(active)" = 9 ] && pass || fail "all 9 servers ACTIVE after consolidation (got $(active))"
grep -q ' migrate geyser-e2e-.*: done' "$TMP/serve.log" && pass || fail "no live migration in the log"
grep -q ' disable compute.*: done' "$TMP/serve.log" && pass || fail "no disable in the log"
grep -q ' power_off compute.*: done' "$TMP/serve.log" && pass || fail "no power_off in the log"
# Nova's own migration records: every live migration geyser asked for completed.
ids=$(nova "$NOVA/servers?all_tenants=1" | jq -c '[.servers[] | select(.name|startswith("geyser-e2e-")) | .id]')
nova "$NOVA/os-migrations?migration_type=live-migration" |
  jq --argjson ids "$ids" '[.migrations[] | select(.instance_uuid as $u | $ids | index($u))]' >"$TMP/migs.json"
bad=$(jq '[.[] | select(.status!="completed")] | length' "$TMP/migs.json")
nmig=$(jq 'length' "$TMP/migs.json")
say "Nova's live migrations: $nmig, not completed: $bad"
[ "${nmig:-0}" -ge 6 ] && [ "$bad" = 0 ] && pass || fail "live migrations in Nova: $nmig, not completed: $bad"

# ---- a fault: one powered-off host's BMC stops answering ----
dead=$(echo "$offhosts" | sort | head -1)
other=$(echo "$offhosts" | sort | tail -1)
"$IPMI_DIR/stop-bmc.sh" "$TMP/bmc${dead#compute}" >/dev/null 2>&1
say "$dead's BMC stops answering (its ipmi_sim is stopped)"

# ---- the load rises: every server at 100 % ----
say "the load rises: every server at 100 % CPU (9 vCPU of demand on one 10-vCPU host)"
echo '* 1.0' >"$TMP/util.new" && mv "$TMP/util.new" "$TMP/util"
host_json() { jq -c --arg h "$1" '.hosts[] | select(.name==$h)' "$TMP/status.json" 2>/dev/null; }
for _ in $(seq 240); do
  status
  st=$(host_json "$other" | jq -r '.state + " " + (.enabled|tostring)')
  df=$(host_json "$dead" | jq -r '.failed')
  [ "$st" = "on true" ] && [ "$df" = true ] && break
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 1
done
say "$other: $(host_json "$other" | jq -r '.state + ", enabled " + (.enabled|tostring)'); $dead: $(host_json "$dead" | jq -r '.state + ", failed " + (.failed|tostring) + ": " + (.power_error // "")')"
# The host whose BMC is silent: marked failed, off, disabled again, never retried.
expect_json "$TMP/status.json" "[.hosts[] | select(.name==\"$dead\")][0] | .failed and .state == \"off\" and (.enabled|not) and (.power_error|length) > 0" "$dead failed and excluded"
r=$(nova "$NOVA/os-services?binary=nova-compute&host=$dead" | jq -r '.services[0] | .status + " " + .disabled_reason')
case $r in "disabled geyser: power-on failed"*) pass ;; *) fail "$dead: Nova service '$r', wanted disabled by geyser after the failed power-on" ;; esac
[ "$(grep -c " power_on $dead: " "$TMP/serve.log")" -le 1 ] && pass || fail "$dead powered on more than once: $(grep " power_on $dead" "$TMP/serve.log")"
[ "$(on_host "$dead")" = 0 ] && pass || fail "$dead: Nova counts $(on_host "$dead") servers on the failed host"
# The other one is woken.
woken=$other
[ "$(host_json "$other" | jq -r '.state + " " + (.enabled|tostring)')" = "on true" ] && pass ||
  fail "$other not woken; log: $(tail -20 "$TMP/serve.log")"
for h in $woken; do
  [ "$(bmc_state "$h")" = on ] && pass || fail "$h: BMC reports its host '$(bmc_state "$h")', wanted on"
  r=$(nova "$NOVA/os-services?binary=nova-compute&host=$h" | jq -r '.services[0] | .state + " " + .status')
  [ "$r" = "up enabled" ] && pass || fail "$h: Nova service '$r', wanted up enabled"
  say "$h: BMC says $(bmc_state "$h"), Nova service $r"
done
grep -q " power_on $other: done" "$TMP/serve.log" && pass || fail "no power_on of $other in the log"
# The host left at 90 % (above the high threshold, 80 %) sheds servers to the woken one.
moved=0
for _ in $(seq 60); do
  moved=$(on_host "$other")
  [ "$moved" -gt 0 ] && break
  sleep 1
done
say "servers on $other now: $moved"
[ "$moved" -gt 0 ] && pass || fail "no server moved to $other; log: $(tail -10 "$TMP/serve.log")"
status
expect_json "$TMP/status.json" "[.hosts[] | select(.failed)] | map(.name) == [\"$dead\"]" "no host failed but $dead"
[ "$(active)" = 9 ] && pass || fail "all 9 servers ACTIVE at the end (got $(active))"

kill "$serve_pid"
wait "$serve_pid"
rc=$?
serve_pid=""
[ "$rc" = 0 ] && pass || fail "geyser serve exited $rc on SIGTERM"
echo "---- geyser serve's log ----" >&2
grep -v '^$' "$TMP/serve.log" >&2
say "cloud ready in $((t_ready - t0)) s; consolidated in $((t_off - t_ready)) s after; whole test $((SECONDS - t0)) s"
finish
