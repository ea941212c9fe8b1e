#!/usr/bin/env bash
# The dashboard's node packages for tests and benchmarks (playwright-core;
# uPlot is vendored in web/vendor/ and needs nothing at build time):
# `npm ci` in web/ from the committed lock file, only when missing.
set -euo pipefail
cd "$(dirname "$0")/../web"
if [ -f node_modules/playwright-core/package.json ] && [ -f node_modules/uplot/package.json ]; then exit 0; fi
if ! command -v npm >/dev/null; then
  # Debian's nodejs comes without npm (NodeSource's includes it).
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
echo "install-web-deps: npm ci in web/" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
