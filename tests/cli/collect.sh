#!/usr/bin/env bash
# geyser collect: the embedded default, a fake hwmon tree and an exec meter
# in JSON, a meter that fails (exit 1, reported down, others still sampled),
# and configuration errors with file:line.
source "$(dirname "$0")/lib.bash"

# Embedded default: the simulated cloud's hosts.
"$GEYSER" collect --json >"$TMP/default.json" 2>"$TMP/err" || fail "default collect failed: $(cat "$TMP/err")"
if [ "$(jq -s '[.[] | select(.type == "sample" and .source == "estimated")] | length' "$TMP/default.json")" -ge 3 ]; then pass; else fail "default: no sim samples: $(head -c 400 "$TMP/default.json")"; fi

mkdir -p "$TMP/hwmon/hwmon0"
echo 245500000 >"$TMP/hwmon/hwmon0/power1_input"
cat >"$TMP/ok.ini" <<INI
[meter "node1"]
driver = hwmon
root = $TMP/hwmon
interval = 1

[meter:pdu]
driver = exec
command = echo 99.5
host = node2

[meter "broken"]
driver = exec
command = false
INI
"$GEYSER" collect --config "$TMP/ok.ini" --once --json >"$TMP/ok.json" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 1 ] && pass || fail "a down meter should exit 1, got $rc: $(cat "$TMP/err")"
jq -s . "$TMP/ok.json" >"$TMP/all.json"
expect_json "$TMP/all.json" 'any(.[]; .type == "sample" and .meter == "node1/hwmon0/power1" and .watts == 245.5 and .host == "node1")' "hwmon sample"
expect_json "$TMP/all.json" 'any(.[]; .type == "sample" and .host == "node2" and .watts == 99.5)' "exec sample"
expect_json "$TMP/all.json" 'any(.[]; .type == "status" and .meter == "broken" and .state == "down" and (.error | contains("exited with status 1")))' "broken meter reported down"
expect_json "$TMP/all.json" 'any(.[]; .type == "status" and .meter == "node1" and .state == "up")' "hwmon up"

# The table for people.
"$GEYSER" collect --config "$TMP/ok.ini" >"$TMP/table.txt" 2>"$TMP/err"
grep -q "245.500 W" "$TMP/table.txt" && pass || fail "table lacks the hwmon watts: $(cat "$TMP/table.txt")"
grep -q "broken.*down" "$TMP/err" && pass || fail "table status lacks the down meter: $(cat "$TMP/err")"

# Configuration errors.
printf '[meter "a"]\ndriver = hwmon\nroot = %s\nrooot = /x\n' "$TMP/hwmon" >"$TMP/bad.ini"
expect_fail 1 "bad.ini:4: meter 'a': unknown key 'rooot'" "unknown key" -- collect --config "$TMP/bad.ini"
printf '[meter "a"]\ndriver = exec\ncommand = true\npassword = s3cret\n' >"$TMP/pw.ini"
chmod 644 "$TMP/pw.ini"
expect_fail 1 "accessible to group or others" "world-readable password" -- collect --config "$TMP/pw.ini"
if "$GEYSER" collect --config "$TMP/pw.ini" 2>&1 | grep -q s3cret; then fail "password leaked"; else pass; fi
expect_fail 1 "cannot open meter configuration" "missing file" -- collect --config "$TMP/none.ini"
expect_fail 2 "--count" "bad count" -- collect --count zero
"$GEYSER" collect --help | grep -q "DRIVERS" && pass || fail "help lacks DRIVERS"
finish
