#!/usr/bin/env bash
# Refresh the dashboard's vendored chart library: `npm ci` in web/ (from the
# committed package.json + package-lock.json), then copy uPlot's built files
# and licence into web/vendor/, which are committed and compiled into the
# binary (no CDN, no npm at build time).
set -euo pipefail
cd "$(dirname "$0")/../web"
npm ci --no-audit --no-fund >&2
cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css vendor/
cp node_modules/uplot/LICENSE vendor/uPlot.LICENSE
echo "vendored uPlot $(node -p 'require("./node_modules/uplot/package.json").version') into web/vendor/" >&2
