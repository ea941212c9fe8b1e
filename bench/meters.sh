#!/usr/bin/env bash
# Benchmark of the meter poller: `geyser collect` polling 64 fake hwmon
# meters (each its own sysfs-like tree in a temporary directory, one power
# and one energy sensor) at 1 Hz for DURATION seconds (default 20). Prints
# the peak RSS, the CPU share of one core (user + system time / wall time),
# and the samples delivered. Targets: under 8 MB RSS and under 1 % of a core.
#
#   bench/meters.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20}
scripts/install-deps.sh
dir=$(scripts/build.sh plain)
geyser=$dir/geyser
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

conf=$tmp/meters.ini
: >"$conf"
for i in $(seq 1 64); do
  d=$tmp/hwmon$i/hwmon0
  mkdir -p "$d"
  echo acpi_power_meter >"$d/name"
  echo $((100000000 + i * 1000000)) >"$d/power1_average"
  echo $((i * 1000000000)) >"$d/energy1_input"
  printf '[meter "node%d"]\ndriver = hwmon\nroot = %s\ninterval = 1\ntimeout = 1\n\n' \
    "$i" "$tmp/hwmon$i" >>"$conf"
done

out=$( { /usr/bin/time -f "%e %U %S %M" "$geyser" collect --config "$conf" \
         --duration "$duration" --json >"$tmp/samples.json"; } 2>&1 | tail -1)
read -r wall user sys kib <<<"$out"
# What the executable costs before any meter: the shared libraries it links
# (jansson, libmicrohttpd with gnutls, sqlite3, inih, zlib, yaml) mapped and
# relocated. libvirt, libcurl, libpq and libfreeipmi are not among them:
# src/core/lazy_*.c open them on first use, which a hwmon poller never makes.
base=$( { /usr/bin/time -f "%M" "$geyser" --version >/dev/null; } 2>&1 | tail -1)
samples=$(grep -c '"type":"sample"' "$tmp/samples.json" || true)
down=$(grep '"type":"status"' "$tmp/samples.json" | grep -vc '"state":"up"' || true)
echo "geyser collect, 64 hwmon meters at 1 Hz, $(nproc) cores, $(date -u +%Y-%m-%d)"
awk -v w="$wall" -v u="$user" -v s="$sys" -v k="$kib" -v n="$samples" -v d="$down" -v b="$base" 'BEGIN {
  printf "wall %.1f s, CPU %.2f s (%.2f %% of one core), peak RSS %.1f MB\n", w, u + s, 100 * (u + s) / w, k / 1024
  printf "baseline RSS of geyser --version %.1f MB: the poller and 64 meters add %.1f MB\n", b / 1024, (k - b) / 1024
  printf "samples delivered %d (%.1f per meter per second), meters down %d\n", n, n / 64 / w, d
  printf "targets: RSS < 8 MB %s, CPU < 1 %% %s\n", (k / 1024 < 8) ? "met" : "MISSED", (100 * (u + s) / w < 1) ? "met" : "MISSED"
}'
