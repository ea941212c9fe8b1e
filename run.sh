#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, and run geyser's
# main job on the embedded default - a simulated 800-host cloud replaying a
# day of PlanetLab-like load - then the paper's 3-node experiment.
# `./run.sh serve [OPTIONS]` instead starts the daemon on that cloud, replaying
# fast, and prints the dashboard's URL (options go to `geyser serve`).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
dir=$(scripts/build.sh plain)
if [ "${1:-}" = serve ]; then
  shift
  echo "run.sh: starting geyser serve; open the dashboard URL it prints (http://127.0.0.1:8080/ by default); Ctrl-C stops it" >&2
  exec "$dir/geyser" serve --speed 1200 "$@"
fi
"$dir/geyser" simulate "$@"
echo
"$dir/geyser" simulate --scenario paper-3node
