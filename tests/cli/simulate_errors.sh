#!/usr/bin/env bash
# Bad input to `geyser simulate` gets a clear error and the right exit code.
. "$(dirname "$0")/lib.bash"

expect_fail 2 "unknown command 'simulat'" "typo in command" -- simulat
expect_fail 2 "unknown or incomplete option '--bogus'" "unknown option" -- simulate --bogus
expect_fail 2 "--interval: 'abc' is not a number" "bad number" -- simulate --interval abc
expect_fail 2 "--low: '1.5' is not a number from 0 to 1" "threshold out of range" -- simulate --low 1.5
expect_fail 1 "unknown scenario 'mars'" "unknown scenario" -- simulate --scenario mars
expect_fail 1 "unknown policy 'greedy'" "unknown policy" -- simulate --scenario paper-3node --policy greedy
expect_fail 1 "must satisfy 0 <= LOW < HIGH <= 1" "inverted thresholds" -- simulate --scenario paper-3node --policy paper:0.8,0.2
expect_fail 1 "needs a trace" "planetlab without trace" -- simulate --scenario planetlab
expect_fail 1 "COUNT:SERVER_TYPE" "bad host mix" -- simulate --hosts 400
expect_fail 1 "HpProLiantMl110G4Xeon3040" "unknown server type lists the known ones" -- simulate --hosts 4:NoSuchServer
expect_fail 1 "$TMP/none" "missing trace dir" -- simulate --trace "$TMP/none"

mkdir -p "$TMP/bad"
printf '10\n20\nxx\n' >"$TMP/bad/vm1"
expect_fail 1 "$TMP/bad/vm1:3" "bad trace line named" -- simulate --trace "$TMP/bad"

printf 'time,vm,cpu_util\n0,a,10\n300,a,20\n0,b,5\n' >"$TMP/gap.csv"
expect_fail 1 "gap.csv" "CSV with a gap" -- simulate --csv "$TMP/gap.csv"

expect_fail 1 "cannot write the timeline" "unwritable timeline" -- simulate --scenario paper-3node --timeline /nonexistent/dir/t.csv

"$GEYSER" --help | grep -q "simulate" && pass || fail "geyser --help lists simulate"
"$GEYSER" simulate --help | grep -q "^SYNOPSIS" && pass || fail "simulate --help is a man page"
"$GEYSER" simulate --list | grep -q "HpProLiantMl110G5Xeon3075" && pass || fail "--list shows server types"
finish
