#!/usr/bin/env bash
# Integration: two real libvirtd hosts with QEMU guests (TCG), driven
# through geyser's libvirt backend: inventory, utilization, pre-copy,
# post-copy and hybrid live migration. Needs root (network and mount namespaces).
. "$(dirname "$0")/lib.bash"

here=$(cd "$(dirname "$0")/.." && pwd)
live=$(dirname "$GEYSER")/integration_libvirt_live
[ "$(id -u)" -eq 0 ] || { fail "needs root for network namespaces"; finish; exit 1; }
lvdir=$(mktemp -d /tmp/geyser-lv.XXXXXX)
trap '"$here/libvirt/twohosts.sh" down "$lvdir" >/dev/null 2>&1; rm -rf "$lvdir" "$TMP"' EXIT
start=$(date +%s)
if ! "$here/libvirt/twohosts.sh" up "$lvdir" >"$TMP/up.log" 2>&1; then
  fail "two libvirt hosts did not start: $(tail -5 "$TMP/up.log")"; finish; exit 1
fi
"$here/libvirt/twohosts.sh" guest "$lvdir" gy-busy busy 128 && pass || fail "busy guest"
"$here/libvirt/twohosts.sh" guest "$lvdir" gy-idle idle 128 && pass || fail "idle guest"
. "$lvdir/env"
# Let both guests finish booting before measuring them: a booting guest is
# busy whatever it will do next.
for g in gy-busy gy-idle; do
  for _ in $(seq 120); do grep -q GUEST-INIT-STARTED "$lvdir/$g.serial" 2>/dev/null && break; sleep 0.5; done
done
sleep 2
if ip netns exec "$NS_A" "$live" "$URI_A" "$URI_B"; then pass; else fail "libvirt_live checks"; fi
# The guest kept running across both moves: its ticks go on in the log.
before=$(grep -c tick "$lvdir/gy-busy.serial"); sleep 2; after=$(grep -c tick "$lvdir/gy-busy.serial")
[ "$after" -gt "$before" ] && pass || fail "guest stopped ticking after migration ($before -> $after)"
echo "libvirt integration took $(( $(date +%s) - start )) s" >&2
finish
