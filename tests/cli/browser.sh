#!/usr/bin/env bash
# The dashboard in a real browser: Debian's chromium driven by
# playwright-core (web/package.json) opens every page of a daemon on the
# embedded simulated cloud and checks that the charts hold data, the grid
# has one cell per host, host -> events -> plan navigation works, and the
# energy page (the example signals and jobs) draws its signals and queue,
# admits a job and sets a cap through its forms, and shows the re-plan a
# pushed price forecast causes (tests/browser/dashboard.mjs). Screenshots go to screenshots/ beside the
# binary (build/screenshots/ for the plain build): CI keeps them.
. "$(dirname "$0")/lib.bash"
src=${GEYSER_SOURCE_DIR:-$(dirname "$0")/../..}

"$src/scripts/install-web-deps.sh" >&2 || { fail "cannot install the dashboard's node packages"; finish; exit 1; }
[ -x /usr/bin/chromium ] || { fail "/usr/bin/chromium is missing: run scripts/install-deps.sh"; finish; exit 1; }

token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" >"$TMP/token"
# A second daemon in manual mode, for the plan page's Apply button; a
# control interval every 10 s, so that the applied plan stays on the page.
"$GEYSER" serve --listen 127.0.0.1:0 --mode manual --speed 30 --token-file "$TMP/token" 2>"$TMP/manual.err" &
MANUAL_PID=$!
# The example signals and jobs feed the energy page; the token lets the
# browser test push a live value (an old one, to see it flagged stale).
start_serve --speed 3000 --tick-ms 100 --signals "$src/data/signals/example" --token-file "$TMP/token"
trap 'kill "$SERVE_PID" "$MANUAL_PID" 2>/dev/null; wait "$SERVE_PID" "$MANUAL_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
sleep 3
MANUAL_URL=http://127.0.0.1:$(grep -o 'port [0-9]*' "$TMP/manual.err" | cut -d' ' -f2)
shots=$(cd "$(dirname "$GEYSER")" && pwd)/screenshots
if GEYSER_TOKEN=$token node "$src/tests/browser/dashboard.mjs" "$SERVE_URL" "$shots" 800 "$MANUAL_URL" "$token" >"$TMP/browser.out" 2>&1; then pass
else fail "browser checks: $(grep -v '^ok' "$TMP/browser.out" | head -20)"; fi
cat "$TMP/browser.out" >&2
for page in overview hosts host events plan plan-manual models energy energy-jobs; do
  [ -s "$shots/$page.png" ] && pass || fail "no screenshot $shots/$page.png"
done
finish
