#!/usr/bin/env bash
# `geyser migration predict`: a hand-computed case (tests/test_migmodel.c
# testPrecopyConverges: 1073.741824 Mbit/s = 128 MiB/s) and bad input.
. "$(dirname "$0")/lib.bash"

case_a=(--mem 2048 --used 1024 --wws 128 --mcr 64 --bandwidth 1073.741824 --device-mb 0)
"$GEYSER" migration predict "${case_a[@]}" --mode precopy --json >"$TMP/pre.json" && pass || fail "precopy predict runs"
expect_json "$TMP/pre.json" '.converged and .rounds == 3 and (.time_s - 9.75 | fabs) < 1e-6' "precopy time and rounds"
expect_json "$TMP/pre.json" '(.downtime_ms - 250 | fabs) < 1e-6 and .bytes == 1308622848' "precopy downtime and bytes"
"$GEYSER" migration predict "${case_a[@]}" --mode hybrid --json >"$TMP/hyb.json" && pass || fail "hybrid predict runs"
expect_json "$TMP/hyb.json" '.mode == "hybrid" and .rounds == 2 and (.time_s - 9.5 | fabs) < 1e-6' "hybrid switches after 2 rounds"
"$GEYSER" migration predict "${case_a[@]}" --mode postcopy --json >"$TMP/post.json" && pass || fail "postcopy predict runs"
expect_json "$TMP/post.json" '.rounds == 0 and (.time_s - 8 | fabs) < 1e-6 and .downtime_ms == 0' "postcopy is one pass"

# Dirtying faster than the link: pre-copy does not converge, auto picks hybrid.
hot=(--mem 1024 --used 1024 --wws 1024 --mcr 200 --bandwidth 1000)
"$GEYSER" migration predict "${hot[@]}" --mode precopy --json >"$TMP/hot.json" && pass || fail "hot precopy runs"
expect_json "$TMP/hot.json" '.converged == false and .downtime_ms == 0' "hot precopy does not converge"
"$GEYSER" migration predict "${hot[@]}" --mode auto --json >"$TMP/auto.json" && pass || fail "auto runs"
expect_json "$TMP/auto.json" '.mode == "hybrid" and .converged' "auto picks hybrid"
"$GEYSER" migration predict "${hot[@]}" --mode precopy | grep -q "converged      no" && pass || fail "table says not converged"

# Calibrated (tests/test_migmodel.c testCalibratedHybridAndPostcopy): 0.5 s
# set-up, half the link, zero pages scanned at 256 MiB/s, 64 MiB extra.
printf 'setup_s 0.5\nlink_efficiency 0.5\nscan_mibps 256\nextra_mib 64\n' >"$TMP/cal.conf"
"$GEYSER" migration predict "${case_a[@]}" --mode hybrid --calibration "$TMP/cal.conf" --json >"$TMP/cal.json" && pass || fail "calibrated predict runs"
expect_json "$TMP/cal.json" '(.time_s - 25.25 | fabs) < 1e-6 and .bytes == 1409286144' "calibrated hybrid time and bytes"
printf 'link_efficiency 7\n' >"$TMP/bad.conf"
expect_fail 2 "bad.conf:1: link_efficiency must be a number from 0.01 to 2" "bad calibration" -- migration predict "${case_a[@]}" --mode hybrid --calibration "$TMP/bad.conf"
expect_fail 2 "cannot read calibration $TMP/none.conf" "missing calibration" -- migration predict "${case_a[@]}" --mode hybrid --calibration "$TMP/none.conf"

expect_fail 2 "--mode is required" "missing mode" -- migration predict --mem 1 --used 1 --wws 1 --mcr 1 --bandwidth 1
expect_fail 2 "--mem is required" "missing mem" -- migration predict --used 1 --wws 1 --mcr 1 --bandwidth 1 --mode precopy
expect_fail 2 "--mcr: 'fast' is not a number" "bad number" -- migration predict "${hot[@]}" --mcr fast --mode precopy
expect_fail 2 "unknown migration mode 'teleport'" "bad mode" -- migration predict "${hot[@]}" --mode teleport
expect_fail 2 "memory in use (MiB) must be a number from 0 to 1024" "used > mem" -- migration predict --mem 1024 --used 2048 --wws 1 --mcr 1 --bandwidth 1 --mode precopy
expect_fail 2 "bandwidth must be more than 0" "zero bandwidth" -- migration predict --mem 1 --used 1 --wws 1 --mcr 1 --bandwidth 0 --mode precopy
expect_fail 2 "unknown verb 'guess'" "unknown verb" -- migration guess
expect_fail 2 "unknown or incomplete option '--bogus'" "unknown option" -- migration predict --bogus
"$GEYSER" migration --help | grep -q "^SYNOPSIS" && pass || fail "migration --help is a man page"
"$GEYSER" --help | grep -q "migration" && pass || fail "geyser --help lists migration"
finish
