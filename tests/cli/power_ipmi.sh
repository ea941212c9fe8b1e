#!/usr/bin/env bash
# The IPMI power actuator against OpenIPMI's ipmi_sim (tests/ipmi), with
# the emulated host it powers on and off, and a BMC that never answers.
. "$(dirname "$0")/lib.bash"
IPMI_DIR=$(cd "$(dirname "$0")/../ipmi" && pwd)
prog=$(dirname "$GEYSER")/integration_power_ipmi
silent_pid=""
trap '"$IPMI_DIR/stop-bmc.sh" "$TMP/bmc" >/dev/null 2>&1; [ -n "$silent_pid" ] && { kill "$silent_pid"; wait "$silent_pid"; } 2>/dev/null; rm -rf "$TMP"' EXIT
command -v ipmi_sim >/dev/null || { fail "ipmi_sim missing (Debian package openipmi)"; finish; exit 1; }

port=$(free_port)
mkdir -p "$TMP/bmc"
INITIAL_POWER=off SOFT_DELAY=1 "$IPMI_DIR/start-bmc.sh" "$port" "$TMP/bmc" >/dev/null ||
  { fail "the BMC did not start: $(tail -3 "$TMP/bmc/ipmi_sim.log" 2>/dev/null)"; finish; exit 1; }
# A "BMC" that reads and discards: every request times out.
sport=$(free_port)
python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', $sport))
while True: s.recv(2048)" &
silent_pid=$!
if "$prog" "127.0.0.1:$port" "127.0.0.1:$sport"; then pass; else fail "power_ipmi checks"; fi
finish
