#!/usr/bin/env bash
# openstack_live.sh - geyser's OpenStack backend against a real OpenStack
# (Zed, Debian 12 packages, fake compute hosts) started by
# tests/openstack/start.sh: inventory, disable/enable a compute service,
# live migration to a chosen host and its outcome, and `geyser plan
# --os-cloud`. Stops what it started (tests/openstack/stop.sh, by pid file)
# on every exit path; a cloud that was already running is left running.
# Needs root (the control plane's packages and services); skipped otherwise.
. "$(dirname "$0")/lib.bash"
PROBE=$(dirname "$GEYSER")/os_probe
OSDIR=$(cd "$(dirname "$0")/../openstack" && pwd)
export OS_AIO_DIR=${GEYSER_OPENSTACK_DIR:-/tmp/geyser-openstack}
if [ "$(id -u)" -ne 0 ]; then
  echo "openstack_live: skipped: needs root to install and run the OpenStack control plane" >&2
  exit 0
fi
t0=$SECONDS
# The plain and sanitizer runs of the suite take turns: the cloud has fixed ports.
exec 9>/tmp/geyser-openstack.lock
flock 9

started=false
cleanup() {
  if $started; then "$OSDIR/stop.sh" >"$TMP/stop.log" 2>&1 || cat "$TMP/stop.log" >&2; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ ! -s "$OS_AIO_DIR/run/keystone.pid" ] && port_open 5000; then
  echo "openstack_live: skipped: 127.0.0.1:5000 is taken by a cloud this test did not start" >&2
  exit 0
fi
[ -s "$OS_AIO_DIR/run/keystone.pid" ] || started=true
# fd 9 (the lock) must not be inherited by the services.
if ! "$OSDIR/start.sh" >"$TMP/start.log" 2>&1 9>&-; then
  tail -30 "$TMP/start.log" >&2
  fail "tests/openstack/start.sh failed"
  finish
  exit 1
fi
t_ready=$SECONDS
# shellcheck disable=SC1091
. "$OS_AIO_DIR/openrc"

# ---- a few servers through the Nova API (curl), spread by the scheduler ----
token=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$OS_USERNAME\",\"domain\":{\"name\":\"Default\"},\"password\":\"$OS_PASSWORD\"}}},\"scope\":{\"project\":{\"name\":\"$OS_PROJECT_NAME\",\"domain\":{\"name\":\"Default\"}}}}}" \
  "$OS_AUTH_URL/auth/tokens" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}')
NOVA=http://127.0.0.1:8774/v2.1
nova() { curl -s -H "X-Auth-Token: $token" -H 'OpenStack-API-Version: compute 2.79' \
  -H 'Content-Type: application/json' "$@"; }
delete_ours() {
  nova "$NOVA/servers?all_tenants=1" | jq -r '.servers[] | select(.name|startswith("geyser-it-")) | .id' |
    while read -r id; do nova -X DELETE "$NOVA/servers/$id"; done
}
# The other OpenStack test's servers: a run stopped while deleting them
# leaves them in the database, and they would count on their hosts here.
delete_others() {
  nova "$NOVA/servers?all_tenants=1" | jq -r '.servers[] | select(.name|test("^geyser-(e2e|it)-")) | select(.name|startswith("geyser-it-")|not) | .id' |
    while read -r id; do nova -X DELETE "$NOVA/servers/$id"; done
}
delete_ours
delete_others
image=$(curl -s -H "X-Auth-Token: $token" 'http://127.0.0.1:9292/v2/images?name=tiny' | jq -r '.images[0].id')
for i in 1 2 3 4; do
  nova -d "{\"server\":{\"name\":\"geyser-it-$i\",\"imageRef\":\"$image\",\"flavorRef\":\"1\",\"networks\":\"none\"}}" \
    "$NOVA/servers" >/dev/null
done
for _ in $(seq 120); do
  n=$(nova "$NOVA/servers/detail?all_tenants=1" | jq '[.servers[] | select(.name|startswith("geyser-it-")) | select(.status=="ACTIVE")] | length')
  [ "$n" = 4 ] && break
  sleep 1
done
[ "$n" = 4 ] && pass || fail "4 servers ACTIVE (got $n)"

# ---- inventory through the backend ----
"$PROBE" inventory >"$TMP/inv.json" 2>"$TMP/err" || fail "os_probe inventory: $(cat "$TMP/err")"
expect_json "$TMP/inv.json" '[.hosts[] | select(.name|startswith("compute"))] | length >= 3' "three compute hosts"
expect_json "$TMP/inv.json" '[.hosts[] | select(.name=="compute1")][0] | .vcpus == 10 and .ram_mb == 8192 and .state == "on"' "compute1 capacity"
expect_json "$TMP/inv.json" '[.vms[] | select(.name|startswith("geyser-it-"))] | length == 4' "four servers"
expect_json "$TMP/inv.json" '[.vms[] | select(.name=="geyser-it-1")][0] | .vcpus == 1 and .ram_mb == 512 and (.host|startswith("compute"))' "server flavour and host"

# ---- disable / enable a compute service ----
"$PROBE" disable compute3 "integration test" >"$TMP/dis.json" 2>"$TMP/err" || fail "disable: $(cat "$TMP/err")"
expect_json "$TMP/dis.json" '[.hosts[] | select(.name=="compute3")][0] | .enabled == false and .disabled_by_geyser == true' "compute3 disabled by geyser"
reason=$(nova "$NOVA/os-services?binary=nova-compute&host=compute3" | jq -r '.services[0].disabled_reason')
[ "$reason" = "geyser: integration test" ] && pass || fail "disabled_reason in Nova: '$reason'"
"$PROBE" enable compute3 >"$TMP/en.json" 2>"$TMP/err" || fail "enable: $(cat "$TMP/err")"
expect_json "$TMP/en.json" '[.hosts[] | select(.name=="compute3")][0] | .enabled == true' "compute3 enabled again"

# ---- live migration to a chosen host, and its outcome ----
src=$(jq -r '[.vms[] | select(.name=="geyser-it-1")][0].host' "$TMP/inv.json")
dst=compute1; [ "$src" = compute1 ] && dst=compute2
other=compute3; [ "$src" = compute3 ] && other=compute2; [ "$dst" = "$other" ] && other=compute1
"$PROBE" migrate geyser-it-1 "$dst" >"$TMP/mig.json" 2>"$TMP/err" || fail "migrate: $(cat "$TMP/err")"
expect_json "$TMP/mig.json" ".status == \"completed\" and .host == \"$dst\"" "geyser-it-1 migrated $src -> $dst"
# A host disabled by an operator: Nova accepts (202), the migration fails, the server stays.
sid=$(nova "$NOVA/os-services?binary=nova-compute&host=$other" | jq -r '.services[0].id')
nova -X PUT -d '{"status":"disabled","disabled_reason":"operator maintenance"}' "$NOVA/os-services/$sid" >/dev/null
"$PROBE" inventory >"$TMP/inv2.json" 2>/dev/null
expect_json "$TMP/inv2.json" "[.hosts[] | select(.name==\"$other\")][0] | .enabled == false and .disabled_by_geyser == false" "operator-disabled host"
"$PROBE" migrate geyser-it-1 "$other" >"$TMP/mig2.json" 2>"$TMP/err" || fail "migrate to a disabled host: $(cat "$TMP/err")"
expect_json "$TMP/mig2.json" ".status == \"error\" and .host == \"$dst\"" "migration to a disabled host fails, server stays"
nova -X PUT -d '{"status":"enabled"}' "$NOVA/os-services/$sid" >/dev/null

# ---- geyser plan on the cloud, from clouds.yaml ----
cat >"$TMP/clouds.yaml" <<YAML
clouds:
  it:
    auth:
      auth_url: $OS_AUTH_URL
      username: $OS_USERNAME
      password: $OS_PASSWORD
      project_name: $OS_PROJECT_NAME
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
YAML
(
  for v in $(env | grep -o '^OS_[A-Z_]*'); do unset "$v"; done
  OS_CLIENT_CONFIG_FILE=$TMP/clouds.yaml "$GEYSER" plan --os-cloud it --json >"$TMP/plan.json" 2>"$TMP/err"
) || fail "geyser plan --os-cloud: $(cat "$TMP/err")"
expect_json "$TMP/plan.json" '.scenario == "openstack" and .cloud == "it" and .hosts >= 3 and .vms >= 4 and (.actions|type) == "array"' "plan on OpenStack"
OS_CLIENT_CONFIG_FILE=$TMP/clouds.yaml expect_fail 1 "no cloud named 'nope'" "unknown cloud" -- plan --os-cloud nope

delete_ours
for _ in $(seq 60); do
  [ "$(nova "$NOVA/servers?all_tenants=1" | jq '[.servers[] | select(.name|startswith("geyser-it-"))] | length')" = 0 ] && break
  sleep 1
done
echo "openstack_live: cloud ready in $((t_ready - t0)) s, whole test $((SECONDS - t0)) s" >&2
finish
