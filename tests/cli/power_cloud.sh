#!/usr/bin/env bash
# Power actuation through the libvirt backend (test:///default) with IPMI
# actuators against OpenIPMI's ipmi_sim (tests/ipmi): refusal while a domain
# runs, soft-off, off and on verified, and a BMC that never answers.
. "$(dirname "$0")/lib.bash"
IPMI_DIR=$(cd "$(dirname "$0")/../ipmi" && pwd)
prog=$(dirname "$GEYSER")/integration_cloud_power
silent_pid=""
trap '"$IPMI_DIR/stop-bmc.sh" "$TMP/bmc" >/dev/null 2>&1; [ -n "$silent_pid" ] && { kill "$silent_pid"; wait "$silent_pid"; } 2>/dev/null; rm -rf "$TMP"' EXIT
command -v ipmi_sim >/dev/null || { fail "ipmi_sim missing (Debian package openipmi)"; finish; exit 1; }

port=$(free_port)
mkdir -p "$TMP/bmc"
INITIAL_POWER=on SOFT_DELAY=1 "$IPMI_DIR/start-bmc.sh" "$port" "$TMP/bmc" >/dev/null ||
  { fail "the BMC did not start: $(tail -3 "$TMP/bmc/ipmi_sim.log" 2>/dev/null)"; finish; exit 1; }
# A "BMC" that reads and discards: every request times out.
sport=$(free_port)
python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', $sport))
while True: s.recv(2048)" &
silent_pid=$!
if "$prog" "127.0.0.1:$port" "127.0.0.1:$sport" 2> >(grep -v 'I/O warning' >&2); then pass; else fail "power_cloud checks"; fi
finish
