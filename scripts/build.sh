#!/usr/bin/env bash
# Configure and build one flavour of geyser: scripts/build.sh [plain|sanitize]
# plain -> build/, sanitize (ASan + UBSan) -> build-sanitize/.
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-plain}
case "$flavour" in
  plain) dir=build; extra=() ;;
  sanitize) dir=build-sanitize; extra=(-DGEYSER_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) ;;
  *) echo "build.sh: unknown flavour '$flavour' (plain or sanitize)" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -G Ninja "${extra[@]}" >/dev/null
ninja -C "$dir" >&2
echo "$dir"
