# lib.sh - shared helpers for the CLI tests: each test is a bash script run
# by ctest with the geyser binary as $1; it prints "ok"/"FAIL" lines and
# exits non-zero on any failure.
set -u
GEYSER=${1:?usage: test.sh PATH/TO/geyser}
failures=0
checks=0

pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*" >&2; }

# expect_json FILE JQ_EXPR DESCRIPTION: the jq expression must yield true.
expect_json() {
  if [ "$(jq -r "$2" "$1" 2>/dev/null)" = "true" ]; then pass; else fail "$3 ($2) in $(head -c 600 "$1")"; fi
}

# expect_fail CODE PATTERN DESCRIPTION -- ARGS...: geyser must exit with CODE
# and print PATTERN on stderr.
expect_fail() {
  local code=$1 pattern=$2 desc=$3; shift 4
  local err rc
  err=$("$GEYSER" "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -ne "$code" ]; then fail "$desc: exit $rc, wanted $code (stderr: $err)"; return; fi
  if ! grep -qF -- "$pattern" <<<"$err"; then fail "$desc: stderr lacks '$pattern': $err"; return; fi
  pass
}

finish() {
  echo "$(basename "$0"): $checks checks, $failures failed" >&2
  [ "$failures" -eq 0 ]
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SHARED=${GEYSER_SHARED:-$(dirname "$0")/../../../shared}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_serve ARGS...: start `geyser serve` on a free port in the background;
# sets SERVE_PID and SERVE_URL, and stops it on exit.
start_serve() {
  "$GEYSER" serve --listen 127.0.0.1:0 "$@" 2>"$TMP/serve.err" &
  SERVE_PID=$!
  trap 'kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
  local port=""
  for _ in $(seq 100); do
    port=$(grep -o 'port [0-9]*' "$TMP/serve.err" 2>/dev/null | cut -d' ' -f2)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { fail "geyser serve did not start: $(cat "$TMP/serve.err")"; finish; exit 1; }
  SERVE_URL=http://127.0.0.1:$port
}

# libvirt_test_node NAME VM UUID-DIGIT: $TMP/NAME.xml, a host of libvirt's
# test driver (test://$TMP/NAME.xml) with 8 CPUs running one 1-vCPU VM.
# The driver's CPU time runs at one second per second, so the host sits at
# 12.5 %: under the paper policy's 20 % threshold.
libvirt_test_node() {
  cat >"$TMP/$1.xml" <<XML
<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>8</cores><threads>1</threads><mhz>2600</mhz></cpu>
  <memory>16777216</memory>
  <domain type="test">
    <name>$2</name>
    <uuid>cccccccc-0000-4000-8000-00000000000$3</uuid>
    <memory>1048576</memory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
  </domain>
</node>
XML
}
