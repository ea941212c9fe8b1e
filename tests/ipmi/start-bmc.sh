#!/bin/bash
# start-bmc.sh PORT STATE_DIR - start OpenIPMI's ipmi_sim as a BMC on
# 127.0.0.1:PORT (UDP, IPMI 1.5/2.0 lanplus) in the background.
# (Adapted for geyser's tests from the project's tried ipmi_sim recipe; the
# product never uses these files.)
#
# Environment (all optional):
#   IPMI_USER / IPMI_PASS  login, admin privilege   (default admin / password)
#   WATTS_STEP   watts per raw sensor count, 1..255 (default 4: 0..1020 W)
#   POLL_MS      how often ipmi_sim re-reads STATE_DIR/watts (default 100)
#   INITIAL_WATTS  written to STATE_DIR/watts if that file does not exist (default 200)
#   INITIAL_POWER  on|off: host powered on when the BMC starts (default off)
#   SOFT_DELAY   seconds from "power soft" to the host going off; < 0: the
#                host ignores soft-off requests (default 1)
#   HOST_ON_WATTS / HOST_OFF_WATTS  if set, the emulated host writes these
#                into STATE_DIR/watts when it powers on / off
#   DCMI=1       load dcmi_power.so, a plugin answering DCMI Get Power Reading
#                from STATE_DIR/watts (ipmi_sim itself has no DCMI)
#   HOST_LINK_PORT  TCP port on 127.0.0.1 for the BMC-to-host link (default PORT)
#
# Writes into STATE_DIR: lan.conf, sim.emu (rendered), ipmi_sim.pid,
# ipmi_sim.log, watts, vmhost (+ dcmi_power.so), and while running the
# host: host.pid, host.state, host.log.  Needs: ipmi_sim (Debian package
# openipmi), cc, and ipmitool for the readiness check (optional).
# Stop with stop-bmc.sh STATE_DIR.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 PORT STATE_DIR" >&2
    exit 2
fi
port=$1
state=$2
here=$(cd "$(dirname "$0")" && pwd)

case $port in
    ''|*[!0-9]*) echo "$0: PORT must be a number, got '$port'" >&2; exit 2;;
esac
if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    echo "$0: PORT out of range: $port" >&2; exit 2
fi

vmport=${HOST_LINK_PORT:-$port}
case $vmport in ''|*[!0-9]*) echo "$0: HOST_LINK_PORT must be a number" >&2; exit 2;; esac
if [ "$vmport" -lt 1 ] || [ "$vmport" -gt 65535 ]; then
    echo "$0: HOST_LINK_PORT out of range: $vmport" >&2; exit 2
fi
user=${IPMI_USER:-admin}
pass=${IPMI_PASS:-password}
step=${WATTS_STEP:-4}
poll=${POLL_MS:-100}
startnow=false
[ "${INITIAL_POWER:-off}" = on ] && startnow=true
case $step in ''|*[!0-9]*) echo "$0: WATTS_STEP must be 1..255" >&2; exit 2;; esac
if [ "$step" -lt 1 ] || [ "$step" -gt 255 ]; then echo "$0: WATTS_STEP must be 1..255" >&2; exit 2; fi

command -v ipmi_sim >/dev/null || { echo "$0: ipmi_sim not found (Debian package openipmi)" >&2; exit 1; }

mkdir -p "$state"
state=$(cd "$state" && pwd)
case $state in *[[:space:]\"]*) echo "$0: STATE_DIR must not contain spaces or quotes" >&2; exit 2;; esac

if [ -f "$state/ipmi_sim.pid" ]; then
    old=$(cat "$state/ipmi_sim.pid")
    if [ -n "$old" ] && [ "$(cat /proc/"$old"/comm 2>/dev/null)" = ipmi_sim ] \
       && ! grep -q '^[^)]*) Z' /proc/"$old"/stat 2>/dev/null; then
        echo "$0: a BMC is already running from $state (pid $old)" >&2
        exit 1
    fi
fi

# The ports must be free on loopback: UDP PORT (IPMI) and TCP HOST_LINK_PORT.
# ipmi_sim sets SO_REUSEADDR only after bind(), so even a TIME_WAIT socket
# left by an earlier BMC on that TCP port makes it fail ("Address already in
# use") for up to 60 s.
hexport=$(printf '%04X' "$port")
hexvm=$(printf '%04X' "$vmport")
sockets_on() {   # FILE HEXPORT: print the states of sockets bound to it
    awk -v a="0100007F:$2" -v b="00000000:$2" 'NR > 1 && ($2 == a || $2 == b) { print $4 }' "$1"
}
if [ -n "$(sockets_on /proc/net/udp "$hexport")" ]; then
    echo "$0: UDP port $port is already in use on 127.0.0.1" >&2
    exit 1
fi
tcp=$(sockets_on /proc/net/tcp "$hexvm")
if [ -n "$tcp" ]; then
    if echo "$tcp" | grep -q '^0A$'; then
        echo "$0: TCP port $vmport is already in use (listening) on 127.0.0.1" >&2
    else
        echo "$0: TCP port $vmport still has connections from an earlier run" \
             "(TIME_WAIT, up to 60 s); ipmi_sim cannot bind it yet." \
             "Use another PORT or HOST_LINK_PORT." >&2
    fi
    exit 1
fi

# Fresh run: drop ipmi_sim's persistent data (users, SDR, SEL) and host files.
rm -rf "$state/ipmi_sim" "$state/host.pid" "$state/host.state" "$state/host.log" "$state/sdr-cache"
mkdir -p "$state/sdr-cache"   # for FreeIPMI tools: --sdr-cache-directory=STATE_DIR/sdr-cache
[ -f "$state/watts" ] || echo "${INITIAL_WATTS:-200}" > "$state/watts"

cc -O2 -Wall -o "$state/vmhost" "$here/vmhost.c"
loadlib=""
if [ "${DCMI:-0}" = 1 ]; then
    cc -O2 -Wall -shared -fPIC -o "$state/dcmi_power.so" "$here/dcmi_power.c"
    loadlib="loadlib \"$state/dcmi_power.so\" \"$state/watts\""
fi

sed -e "s|@PORT@|$port|g" -e "s|@VM_PORT@|$vmport|g" -e "s|@STATE_DIR@|$state|g" \
    -e "s|@VMHOST@|$state/vmhost|g" \
    -e "s|@STARTNOW@|$startnow|g" -e "s|@USER@|$user|g" -e "s|@PASSWORD@|$pass|g" \
    -e "s|@LOADLIB@|$loadlib|g" "$here/lan.conf" > "$state/lan.conf"
# Raw sensor value until ipmi_sim first polls the file (as ipmi_sim rounds).
w=$(tr -d '[:space:]' < "$state/watts")
case $w in ''|*[!0-9]*) w=0;; esac
raw=$(( (w + step / 2) / step )); [ "$raw" -gt 255 ] && raw=255
sed -e "s|@STATE_DIR@|$state|g" -e "s|@WATTS_STEP@|$step|g" -e "s|@POLL_MS@|$poll|g" \
    -e "s|@INITIAL_RAW@|$raw|g" "$here/sim.emu" > "$state/sim.emu"

# -n: no console on stdin/stdout.  After start-up ipmi_sim logs to syslog only.
export SOFT_DELAY=${SOFT_DELAY:-1}
cd "$state"
ipmi_sim -n -c "$state/lan.conf" -f "$state/sim.emu" -s "$state" \
    </dev/null >"$state/ipmi_sim.log" 2>&1 &
pid=$!
echo "$pid" > "$state/ipmi_sim.pid"

# Ready when our ipmi_sim owns the UDP socket on 127.0.0.1:PORT and (if
# ipmitool is installed) answers Get Device ID.  ipmi_sim exits at once on a
# bad config or a port it cannot bind.
owns_udp_port() {
    local inode
    inode=$(awk -v a="0100007F:$hexport" 'NR > 1 && $2 == a { print $10 }' /proc/net/udp)
    [ -n "$inode" ] && ls -l /proc/"$pid"/fd 2>/dev/null | grep -q "socket:\[$inode\]"
}
ready=no
for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null || grep -q '^[^)]*) Z' /proc/"$pid"/stat 2>/dev/null; then
        echo "$0: ipmi_sim exited; its output:" >&2
        cat "$state/ipmi_sim.log" >&2
        rm -f "$state/ipmi_sim.pid"
        exit 1
    fi
    if owns_udp_port; then
        if ! command -v ipmitool >/dev/null \
           || ipmitool -I lanplus -C 3 -H 127.0.0.1 -p "$port" -U "$user" -P "$pass" \
                  -N 1 -R 1 raw 6 1 >/dev/null 2>&1; then
            ready=yes
            break
        fi
    fi
    sleep 0.05
done
if [ "$ready" != yes ]; then
    echo "$0: BMC (pid $pid) did not answer within 5 s; stopped it." \
         "See $state/ipmi_sim.log" >&2
    kill -TERM "$pid" 2>/dev/null
    rm -f "$state/ipmi_sim.pid"
    exit 1
fi
if [ "$startnow" = true ]; then
    for _ in $(seq 1 100); do
        [ "$(cat "$state/host.state" 2>/dev/null)" = on ] && break
        sleep 0.02
    done
fi
echo "BMC pid $pid on 127.0.0.1:$port (state in $state)"
