#!/usr/bin/env bash
# serve_openstack.sh - `geyser serve --os-cloud/--openstack` argument, power
# file, utilization file and connection errors, with no cloud running (the
# live scenario is openstack_e2e.sh).
. "$(dirname "$0")/lib.bash"
for v in $(env | grep -o '^OS_[A-Z_]*'); do unset "$v"; done
cd "$TMP" || exit 1

expect_fail 2 "need a real cloud" "--power without a cloud" -- serve --power p.ini
expect_fail 2 "need a real cloud" "--interval without a cloud" -- serve --interval 5
expect_fail 2 "--interval: 'soon'" "bad interval" -- serve --openstack --interval soon
expect_fail 2 "--min-hosts-on: '-1'" "bad min hosts on" -- serve --openstack --min-hosts-on -1
expect_fail 1 "no auth_url (OS_AUTH_URL)" "no configuration" -- serve --openstack

port=$(free_port)
cat >"$TMP/clouds.yaml" <<YAML
clouds:
  down:
    auth:
      auth_url: http://127.0.0.1:$port/v3
      username: admin
      password: not-in-messages
      project_name: admin
YAML
# The files are read before the cloud is: their errors come first.
expect_fail 1 "cannot open the power configuration $TMP/none.ini" "missing power file" -- \
  serve --os-cloud down --power "$TMP/none.ini"
printf '[power]\nattempts = 2\n\n[host "compute1"]\naddress = 10.0.0.1\n' >"$TMP/nodriver.ini"
expect_fail 1 "nodriver.ini:4: host 'compute1' has no 'driver'" "host without driver" -- \
  serve --os-cloud down --power "$TMP/nodriver.ini"
printf 'web-1 0.5\nweb-2 lots\n' >"$TMP/util"
expect_fail 1 "util:2: utilization 'lots' of 'web-2' is not a number from 0 to 1" "bad utilization" -- \
  serve --os-cloud down --vm-util "$TMP/util"
printf '[host "compute1"]\ndriver = ipmi\naddress = 127.0.0.1:9\n' >"$TMP/power.ini"
expect_fail 1 "POST http://127.0.0.1:$port/v3/auth/tokens" "Keystone down" -- \
  serve --os-cloud down --power "$TMP/power.ini" --listen 127.0.0.1:0
err=$("$GEYSER" serve --os-cloud down --listen 127.0.0.1:0 2>&1 >/dev/null)
if grep -q "not-in-messages" <<<"$err"; then fail "the password appears in: $err"; else pass; fi
finish
