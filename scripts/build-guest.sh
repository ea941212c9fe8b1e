#!/usr/bin/env bash
# Build the migbench guest: a busybox-static initramfs whose /init runs
# tools/appmembench with the W and R given on the kernel command line
# (membench=W,R), plus a copy of the Debian kernel (linux-image-amd64).
#   scripts/build-guest.sh [OUTDIR]     (default build/guest; prints OUTDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/guest}
kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1 || true)
[ -n "$kernel" ] || { echo "build-guest: no /boot/vmlinuz-*-amd64; apt-get install linux-image-amd64" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "build-guest: no /bin/busybox; apt-get install busybox-static" >&2; exit 1; }
mkdir -p "$out"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/bin "$root"/proc "$root"/sys "$root"/dev
cp /bin/busybox "$root/bin/busybox"
cc -static -O2 -Wall -Wextra -o "$root/bin/appmembench" tools/appmembench.c
cat >"$root/init" <<'EOI'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
args=$(/bin/busybox sed -n 's/.*membench=\([0-9.]*\),\([0-9.]*\).*/\1 \2/p' /proc/cmdline)
[ -n "$args" ] || args="0 0"
exec /bin/appmembench $args
EOI
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$out/initrd.img"
cp "$kernel" "$out/vmlinuz"
echo "$out"
