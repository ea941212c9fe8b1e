#!/usr/bin/env bash
# Install the Debian packages geyser needs to build, test and benchmark,
# only those missing, as root or through sudo. Safe to run repeatedly.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config   # toolchain
  libjansson-dev                                 # JSON output
  libmicrohttpd-dev                              # the daemon's HTTP server
  libvirt-dev                                    # the libvirt cloud backend
  libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
  busybox-static linux-image-amd64 cpio iproute2 # real libvirt hosts and guests in tests
  libcurl4-openssl-dev libyaml-dev               # OpenStack and Redfish (HTTP), clouds.yaml
  zlib1g-dev                                     # gzip for large API answers
  curl prometheus                                # tests scrape the daemon for real
  libinih-dev                                    # meter configuration (INI)
  libfreeipmi-dev                                # IPMI meters
  openipmi                                       # ipmi_sim, the BMC of the IPMI tests
  python3 openssl                                # Redfish test fixture (HTTP and TLS)
  libsqlite3-dev                                 # the embedded store
  libpq-dev postgresql                           # the PostgreSQL store and its tests
  librsvg2-bin                                   # SVG to PNG: fit, compare and migbench figures
  jq                                             # CLI tests read JSON
  cppcheck clang-format                          # static checks
  time                                           # peak RSS in benchmarks
  qemu-system-x86 linux-image-amd64 busybox-static cpio  # migbench guests (scripts/build-guest.sh)
  openssl                                        # TLS test certificates
  nodejs chromium                                # dashboard browser tests (tests/cli/browser.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then "$(dirname "$0")/install-web-deps.sh"; exit 0; fi

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
"$(dirname "$0")/install-web-deps.sh"
