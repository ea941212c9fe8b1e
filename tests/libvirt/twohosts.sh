#!/usr/bin/env bash
# Two libvirt "hosts" on one machine, for the integration tests: each runs
# its own libvirtd in its own network and mount namespace (with its own
# host_uuid), joined by a veth pair, QEMU guests under TCG (nested KVM does
# not work here) running as root so that post-copy (userfaultfd) works.
#
#   twohosts.sh up DIR      set up, build the guest, start both daemons;
#                           writes DIR/env (NS_A, NS_B, URI_A, URI_B, ...)
#   twohosts.sh guest DIR NAME KIND MEM_MB   define and start a guest on host A;
#                           KIND is idle, busy (one vCPU spinning) or
#                           mem:W,R (tools/appmembench keeps W MiB and
#                           rewrites it at R MiB/s: a fast memory writer)
#   twohosts.sh down DIR    destroy guests, stop the daemons by PID, remove
#                           the namespaces; safe to run twice
# Guests run through a QEMU wrapper that gives them 8 KiB more RAM than
# libvirt's whole MiB (a TCG bug of QEMU < 9.0, docs/migration.md);
# GEYSER_LV_WHOLE_MIB=1 at "up" leaves the size alone, to show the bug.
# Everything lives under DIR; the namespaces are named after DIR's id, so
# concurrent runs do not collide.
set -euo pipefail

cmd=${1:?usage: twohosts.sh up|guest|down DIR ...}
dir=${2:?usage: twohosts.sh up|guest|down DIR ...}
id=$(basename "$dir" | tr -cd 'a-zA-Z0-9' | tail -c 8)
nsA=gya$id nsB=gyb$id
net=10.213.$(( $$ % 200 + 20 ))
src=$(cd "$(dirname "$0")/../.." && pwd)

virshIn() { local ns=$1 uri=$2; shift 2; ip netns exec "$ns" virsh -q -c "$uri" "$@"; }

buildGuest() {
  local g=$dir/guest
  rm -rf "$g" && mkdir -p "$g"/initrd/{bin,proc,sys,dev}
  cp /usr/bin/busybox "$g/initrd/bin/busybox"
  # The same memory-load tool as geyser migbench's guest (scripts/build-guest.sh).
  cc -static -O2 -Wall -Wextra -o "$g/initrd/bin/appmembench" "$src/tools/appmembench.c"
  cat >"$g/initrd/init" <<'EOI'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
echo "GUEST-INIT-STARTED"
# Booted ("quiet" kept the boot fast): from now on every kernel message,
# segfault reports included, reaches the console, where the test looks for
# oopses after a migration.
echo 7 >/proc/sys/kernel/printk
# geyser.busy=1 on the kernel command line: keep one vCPU busy.
if /bin/busybox grep -q 'geyser.busy=1' /proc/cmdline; then
  (while :; do :; done) &
fi
# geyser.mem=W,R: appmembench keeps W MiB and rewrites it at R MiB/s; its
# "hb SEQ RATE" lines (100 a second) show it running and its achieved rate.
mem=$(/bin/busybox sed -n 's/.*geyser\.mem=\([0-9.]*\),\([0-9.]*\).*/\1 \2/p' /proc/cmdline)
mempid=
if [ -n "$mem" ]; then /bin/appmembench $mem & mempid=$!; fi
i=0
while true; do
  i=$((i+1))
  if [ -n "$mempid" ] && ! /bin/busybox kill -0 "$mempid" 2>/dev/null; then
    echo "MEMBENCH-EXITED"; mempid=
  fi
  echo "tick $i"; /bin/busybox sleep 1
done
EOI
  chmod +x "$g/initrd/init"
  (cd "$g/initrd" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$g/initrd.img")
  cp "$(ls /boot/vmlinuz-*-amd64 | sort -V | tail -1)" "$g/vmlinuz"
  # QEMU before 9.0 loses TCG guest stores after a dirty-bitmap sync of a
  # RAM block that is a multiple of 64 pages (docs/migration.md): a hybrid
  # or busy pre-copy then resumes the guest on stale pages and it oopses.
  # libvirt rounds <memory> up to whole MiB (a multiple of 256 pages), so
  # the guests run through this wrapper, which gives the RAM block 8 KiB
  # more, as migbench does with -m 262152k. Both ends of a migration use
  # it (the domain XML names it), so their RAM blocks match.
  cat >"$g/qemu" <<'EOW'
#!/bin/bash
args=() prev=
for a in "$@"; do
  o=$a
  # -m 128 (MiB) -> -m 131080k
  if [ "$prev" = -m ] && [[ $a =~ ^[0-9]+$ ]]; then a=$((a * 1024 + 8))k; fi
  # the main RAM backend object's size, in bytes, to match -m
  if [[ $a == *'"id":"pc.ram"'* && $a =~ \"size\":([0-9]+) ]]; then
    n=${BASH_REMATCH[1]}
    a=${a/\"size\":$n/\"size\":$((n + 8192))}
  fi
  args+=("$a") prev=$o
done
exec /usr/bin/qemu-system-x86_64 "${args[@]}"
EOW
  # GEYSER_LV_WHOLE_MIB=1: keep libvirt's whole MiB, to show the bug.
  [ "${GEYSER_LV_WHOLE_MIB:-0}" = 1 ] && printf '#!/bin/sh\nexec /usr/bin/qemu-system-x86_64 "$@"\n' >"$g/qemu"
  chmod +x "$g/qemu"
}

hostConfig() { # n ip
  local h=$dir/h$1
  mkdir -p "$h"/{run,lib,log,cache} && cp -a /etc/libvirt "$h/etc"
  mkdir -p "$h"/lib/{qemu,images,boot} "$h/cache/qemu" "$h/log/qemu"
  cat >"$h/etc/libvirtd.conf" <<EOC
listen_tls = 0
listen_tcp = 1
auth_tcp = "none"
listen_addr = "$2"
host_uuid = "00000000-0000-4000-8000-00000000000$1"
log_outputs = "2:file:/var/log/libvirt/libvirtd.log"
EOC
  cat >"$h/etc/qemu.conf" <<EOC
user = "root"
group = "root"
stdio_handler = "file"
remember_owner = 0
migration_address = "$2"
migration_host = "$2"
EOC
}

startDaemon() { # n ns
  local h=$dir/h$1
  ip netns exec "$2" unshare -m --propagation private bash -c "
    mount --bind $h/run /run/libvirt
    mount --bind $h/lib /var/lib/libvirt
    mount --bind $h/log /var/log/libvirt
    mount --bind $h/cache /var/cache/libvirt
    mount --bind $h/etc /etc/libvirt
    exec /usr/sbin/libvirtd --listen --pid-file $h/libvirtd.pid
  " >"$h/daemon.out" 2>&1 &
  echo $! >"$h/daemon.pid"
}

waitDaemon() { # ns uri
  for _ in $(seq 120); do
    virshIn "$1" "$2" version >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "twohosts: libvirtd at $2 did not come up" >&2
  return 1
}

up() {
  mkdir -p "$dir"
  # Mount points for each daemon's private state; made here when libvirt's
  # system package (which would make them) is not installed, removed after.
  for m in /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
    [ -d "$m" ] || { mkdir -p "$m" && echo "$m" >>"$dir/made-dirs"; }
  done
  ip netns add "$nsA"
  ip netns add "$nsB"
  ip link add "v$nsA" type veth peer name "v$nsB"
  ip link set "v$nsA" netns "$nsA"
  ip link set "v$nsB" netns "$nsB"
  ip -n "$nsA" addr add "$net.1/24" dev "v$nsA"
  ip -n "$nsB" addr add "$net.2/24" dev "v$nsB"
  for ns in "$nsA" "$nsB"; do ip -n "$ns" link set lo up; done
  ip -n "$nsA" link set "v$nsA" up
  ip -n "$nsB" link set "v$nsB" up
  hostConfig 1 "$net.1"
  hostConfig 2 "$net.2"
  buildGuest
  startDaemon 1 "$nsA"
  waitDaemon "$nsA" "qemu+tcp://$net.1/system"
  # Probe the wrapper's QEMU capabilities now, so that the copy below
  # spares the second daemon that probe too.
  virshIn "$nsA" "qemu+tcp://$net.1/system" domcapabilities --emulatorbin "$dir/guest/qemu" \
    --virttype qemu >/dev/null
  # The second daemon reuses the first one's QEMU capability probe (8 s saved).
  cp -a "$dir/h1/cache/qemu/." "$dir/h2/cache/qemu/" 2>/dev/null || true
  startDaemon 2 "$nsB"
  waitDaemon "$nsB" "qemu+tcp://$net.2/system"
  cat >"$dir/env" <<EOE
NS_A=$nsA
NS_B=$nsB
URI_A=qemu+tcp://$net.1/system
URI_B=qemu+tcp://$net.2/system
GUEST_DIR=$dir/guest
EOE
}

guest() { # name kind mem
  local name=$3 kind=$4 mem=${5:-128}
  . "$dir/env"
  local extra
  case "$kind" in
    idle) extra="" ;;
    busy) extra="geyser.busy=1" ;;
    mem:*,*) extra="geyser.mem=${kind#mem:}" ;;
    *) echo "twohosts: unknown guest kind '$kind' (idle, busy, mem:W,R)" >&2; return 2 ;;
  esac
  cat >"$dir/$name.xml" <<EOX
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>$mem</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$GUEST_DIR/vmlinuz</kernel>
    <initrd>$GUEST_DIR/initrd.img</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet $extra</cmdline>
  </os>
  <cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>
  <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
  <devices>
    <emulator>$GUEST_DIR/qemu</emulator>
    <serial type='file'><source path='$dir/$name.serial' append='on'/><target port='0'/></serial>
    <console type='file'><source path='$dir/$name.serial' append='on'/><target type='serial' port='0'/></console>
    <memballoon model='none'/>
  </devices>
</domain>
EOX
  virshIn "$NS_A" "$URI_A" define "$dir/$name.xml" >/dev/null
  virshIn "$NS_A" "$URI_A" start "$name" >/dev/null
}

down() {
  if [ -f "$dir/env" ]; then
    . "$dir/env"
    for pair in "$NS_A $URI_A" "$NS_B $URI_B"; do
      set -- $pair
      for d in $(virshIn "$1" "$2" list --name 2>/dev/null); do virshIn "$1" "$2" destroy "$d" >/dev/null 2>&1 || true; done
    done
  fi
  for n in 1 2; do
    local pidf=$dir/h$n/daemon.pid
    [ -s "$pidf" ] || continue
    local p; p=$(cat "$pidf")
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    rm -f "$pidf"
  done
  ip netns del "$nsA" 2>/dev/null || true
  ip netns del "$nsB" 2>/dev/null || true
  if [ -f "$dir/made-dirs" ]; then
    while read -r m; do rmdir "$m" 2>/dev/null || true; done <"$dir/made-dirs"
    rm -f "$dir/made-dirs"
  fi
}

case "$cmd" in
  up) up ;;
  guest) guest "$@" ;;
  down) down ;;
  *) echo "twohosts.sh: unknown command '$cmd'" >&2; exit 2 ;;
esac
