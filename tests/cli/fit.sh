# fit.sh - geyser fit end to end: a CSV generated from known models with
# seeded Gaussian noise gives the models back (JSON, table), --out writes a
# catalogue geyser reads back, --plot draws SVG and PNG, and bad input is
# refused naming file:line:column.
source "$(dirname "$0")/lib.bash"

# Type Lin: linear 150..300 W; type Conc: concave 100..250 W, exponent 1.4.
awk 'BEGIN { srand(11); pi = atan2(0, -1)
  print "time,host,server_type,cpu_util,watts"
  for (i = 0; i < 3000; i++) {
    u = rand(); g = sqrt(-2 * log(1 - rand())) * cos(2 * pi * rand())
    if (i % 2) { type = "Lin"; w = 150 + 150 * u }
    else { type = "Conc"; w = 100 + 150 * (2 * u - u ^ 1.4) }
    printf "%d,h%d,%s,%.3f,%.3f\n", i, i % 10, type, 100 * u, w + 3 * g
  } }' >"$TMP/m.csv"

"$GEYSER" fit --csv "$TMP/m.csv" --json >"$TMP/fit.json" 2>"$TMP/err" || fail "fit --json: $(cat "$TMP/err")"
expect_json "$TMP/fit.json" 'length == 2' "one object per server type"
expect_json "$TMP/fit.json" '.[] | select(.server_type == "Lin") | .model == "linear" and (.idle_w - 150 | fabs) < 1.5 and (.max_w - 300 | fabs) < 1.5 and .r > 0.97 and .n == 1500' "linear type recovered"
expect_json "$TMP/fit.json" '.[] | select(.server_type == "Conc") | .model == "concave" and (.exponent - 1.4 | fabs) < 0.08 and (.candidates.concave.cv_rmse < .candidates.linear.cv_rmse)' "concave type chosen by CV"
expect_json "$TMP/fit.json" '.[0].candidates.piecewise.points | length == 11' "piecewise candidate reported"

"$GEYSER" fit --csv "$TMP/m.csv" >"$TMP/table" 2>&1 || fail "fit table"
grep -q "Conc .*concave" "$TMP/table" && pass || fail "table lacks Conc concave: $(cat "$TMP/table")"

"$GEYSER" fit --csv "$TMP/m.csv" --out "$TMP/types.csv" --plot "$TMP/chart" >/dev/null 2>"$TMP/err" || fail "fit --out --plot: $(cat "$TMP/err")"
grep -q '^Conc,1,1000,1024,concave,1\.' "$TMP/types.csv" && pass || fail "catalogue row: $(cat "$TMP/types.csv")"
grep -q "<svg" "$TMP/chart.svg" && grep -q "Pearson r" "$TMP/chart.svg" && pass || fail "SVG chart"
[ "$(head -c 8 "$TMP/chart.png" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] && pass || fail "PNG chart"


printf 'time,host,server_type,cpu_util,watts\n0,h1,A,10,100\n1,h1,A,abc,100\n' >"$TMP/bad.csv"
expect_fail 1 "bad.csv:3:4: column cpu_util: 'abc' is not a finite number" "bad number" -- fit --csv "$TMP/bad.csv"
printf 'time,host,server_type,cpu_util,watts\n0,h1,A,10,100\n1,h1,A,10,100,7\n' >"$TMP/bad.csv"
expect_fail 1 "bad.csv:3:6: found 6 columns, the header has 5" "extra column" -- fit --csv "$TMP/bad.csv"
printf 'time,host,server_type,cpu_util,watts\n0,h1,A,50,100\n1,h1,A,50,101\n2,h1,A,50,102\n' >"$TMP/flat.csv"
expect_fail 1 "all 3 samples have the same utilization (50 %)" "degenerate" -- fit --csv "$TMP/flat.csv"
printf 'time,host,server_type,cpu_util,watts\n0,h1,A,10,100\n1,h1,A,20,110\n' >"$TMP/few.csv"
expect_fail 1 "2 samples are too few" "too few" -- fit --csv "$TMP/few.csv"
printf 'time,host,cpu_util,watts\n' >"$TMP/nohdr.csv"
expect_fail 1 "nohdr.csv:1: the header has no column 'server_type'" "header" -- fit --csv "$TMP/nohdr.csv"
expect_fail 2 "give one of --csv FILE and --store URI" "no input" -- fit
expect_fail 2 "--folds" "bad folds" -- fit --csv "$TMP/m.csv" --folds 1
finish
