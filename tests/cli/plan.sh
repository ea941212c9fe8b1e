#!/usr/bin/env bash
# `geyser plan` shows what the controller would do, with reasons, in the
# documented JSON shape, and in an order the safety rules accept.
. "$(dirname "$0")/lib.bash"

"$GEYSER" plan --scenario paper-3node --at 3600 --json >"$TMP/p3.json" || fail "plan paper-3node"
expect_json "$TMP/p3.json" '.policy == "paper:0.3,0.8"' "the scenario's policy"
expect_json "$TMP/p3.json" '[.actions[] | select(.type == "disable")] | length == 2' "two hosts to evacuate"
expect_json "$TMP/p3.json" '[.actions[] | select(.type == "migrate")] | length == 4' "four VMs to move"
expect_json "$TMP/p3.json" '[.actions[] | select(.type == "migrate") | .target] | unique | length == 1' \
  "all onto one host"
expect_json "$TMP/p3.json" 'all(.actions[]; has("type") and has("host") and (.reason | length > 0))' \
  "every action has a reason"
expect_json "$TMP/p3.json" 'all(.actions[] | select(.type == "migrate"); has("vm") and has("target") and .mode == "precopy")' \
  "migrations name vm, target and mode"
# A host is disabled before any VM leaves it.
first_disable=$(jq '[.actions[].type] | index("disable")' "$TMP/p3.json")
first_migrate=$(jq '[.actions[].type] | index("migrate")' "$TMP/p3.json")
[ "$first_disable" -lt "$first_migrate" ] && pass || fail "disable before migrate"

"$GEYSER" plan >"$TMP/table.txt" || fail "plan table"
head -1 "$TMP/table.txt" | grep -q "^plan at t=0 s, policy geyser" && pass || fail "table header: $(head -1 "$TMP/table.txt")"
expect_fail 2 "--at: 'soon'" "bad --at" -- plan --at soon
expect_fail 1 "unknown policy" "bad policy" -- plan --policy nope
# A libvirt cloud: libvirt's built-in test driver (one host, one running
# domain); its CPU use is sampled over two reads, and nothing is acted on.
"$GEYSER" plan --libvirt test:///default --json >"$TMP/lv.json" 2>"$TMP/lv.err" || fail "plan --libvirt: $(cat "$TMP/lv.err")"
expect_json "$TMP/lv.json" '.scenario == "libvirt" and .hosts == 1 and .vms == 1 and (.actions | type) == "array"' "plan on libvirt's test driver"
expect_fail 2 "name two clouds" "--libvirt with --openstack" -- plan --libvirt test:///default --openstack
expect_fail 1 "libvirt" "unreachable libvirt URI" -- plan --libvirt "qemu+tcp://127.0.0.1:1/system"
finish
