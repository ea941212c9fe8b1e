#!/usr/bin/env bash
# `geyser migbench --rows CSV --validate --calibrate`: the model's error and
# its calibration from measured rows, without running a migration. The rows
# are a real `--quick` run (2026-12-05, before the hybrid fix: one hybrid lost
# its guest, and the CSV predates the time_limit_s column, so --time-limit
# stands in for it).
. "$(dirname "$0")/lib.bash"
SRC=${GEYSER_SOURCE_DIR:-$(dirname "$0")/../..}
rows=$SRC/tests/data/migration/migbench-quick-2026-12-05-before.csv

"$GEYSER" migbench --rows "$rows" --time-limit 15 --validate --calibrate --out "$TMP/fit" >"$TMP/fit.log" 2>&1 \
  && pass || fail "migbench --rows --validate --calibrate exits 0: $(tail -5 "$TMP/fit.log")"
grep -q "^18 rows from" "$TMP/fit.log" && pass || fail "reads 18 rows: $(head -3 "$TMP/fit.log")"
grep -q "calibration fitted to 18 migrations (15 completed)" "$TMP/fit.log" && pass || fail "fits the 15 completed: $(cat "$TMP/fit.log")"
for key in setup_s link_efficiency scan_mibps extra_mib; do
  grep -q "^$key [0-9.e+-]*$" "$TMP/fit/calibration.conf" && pass || fail "calibration.conf has $key: $(cat "$TMP/fit/calibration.conf")"
done
[ "$(wc -l <"$TMP/fit/validate.csv")" -eq 3 ] && pass || fail "validate.csv: header and two modes"

# Predicting with the fitted terms must beat the ideal-link model on the
# same rows (time, pre-copy and hybrid), and get every pre-copy verdict right.
"$GEYSER" migbench --rows "$rows" --time-limit 15 --validate --calibration "$TMP/fit/calibration.conf" \
  --out "$TMP/cal" >"$TMP/cal.log" 2>&1 && pass || fail "validate with --calibration exits 0: $(tail -3 "$TMP/cal.log")"
for mode in precopy hybrid; do
  before=$(awk -F, -v m=$mode '$1==m {print $4}' "$TMP/fit/validate.csv")
  after=$(awk -F, -v m=$mode '$1==m {print $4}' "$TMP/cal/validate.csv")
  awk -v a="$after" -v b="$before" 'BEGIN {exit !(a < b)}' && pass || fail "$mode time error falls with calibration: $before -> $after %"
done
awk -F, '$1=="precopy" {exit !($8 == 100)}' "$TMP/cal/validate.csv" && pass || fail "pre-copy verdicts all right: $(cat "$TMP/cal/validate.csv")"
grep -q ",$TMP/fit/calibration.conf\$" "$TMP/cal/validate.csv" && pass || fail "validate.csv names the calibration"

expect_fail 1 "cannot read $TMP/none.csv" "missing rows" -- migbench --rows "$TMP/none.csv" --validate --out "$TMP/x"
cut -d, -f1-12 "$rows" >"$TMP/short.csv"
expect_fail 1 "no column 'bytes'" "rows lack a column" -- migbench --rows "$TMP/short.csv" --validate --out "$TMP/x"
sed '3s/,completed,1,1.118,/,completed,1,soon,/' "$rows" >"$TMP/bad.csv"
expect_fail 1 "bad.csv:3: time_s 'soon' is not a number" "bad number" -- migbench --rows "$TMP/bad.csv" --validate --out "$TMP/x"
head -1 "$rows" >"$TMP/empty.csv"
expect_fail 1 "no rows" "header only" -- migbench --rows "$TMP/empty.csv" --calibrate --out "$TMP/x"
printf 'setup_s -1\n' >"$TMP/neg.conf"
expect_fail 2 "neg.conf:1: setup_s must be a number from 0 to 3600" "bad calibration file" -- migbench --rows "$rows" --calibration "$TMP/neg.conf"
finish
