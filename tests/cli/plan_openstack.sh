#!/usr/bin/env bash
# plan_openstack.sh - `geyser plan --os-cloud/--openstack` configuration and
# connection errors, with no cloud running (the live test is openstack_live.sh).
. "$(dirname "$0")/lib.bash"
for v in $(env | grep -o '^OS_[A-Z_]*'); do unset "$v"; done
cd "$TMP" || exit 1

expect_fail 1 "no auth_url (OS_AUTH_URL)" "no configuration" -- plan --openstack
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
expect_fail 1 "no cloud named 'other'" "unknown cloud" -- plan --os-cloud other
expect_fail 1 "POST http://127.0.0.1:$port/v3/auth/tokens" "Keystone down" -- plan --os-cloud down --json
err=$(OS_CLOUD=down "$GEYSER" plan --openstack 2>&1 >/dev/null)
if grep -q "not-in-messages" <<<"$err"; then fail "the password appears in: $err"; else pass; fi
grep -q "Couldn't connect\|Could not connect\|refused" <<<"$err" && pass || fail "cause not named: $err"
expect_fail 2 "unknown or incomplete option" "missing cloud name" -- plan --os-cloud
finish
