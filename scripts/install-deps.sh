#!/usr/bin/env bash
# Install the Debian packages geyser needs to build, test and benchmark,
# only those missing, as root or through sudo. Safe to run repeatedly.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config   # toolchain
  libjansson-dev                                 # JSON output
  libmicrohttpd-dev                              # the daemon's HTTP server
  libcurl4-openssl-dev libyaml-dev               # OpenStack backend: HTTP, clouds.yaml
  curl prometheus                                # tests scrape the daemon for real
  jq                                             # CLI tests read JSON
  cppcheck clang-format                          # static checks
  time                                           # peak RSS in benchmarks
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
