#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, and run geyser's
# main job on the embedded default - a simulated 800-host cloud replaying a
# day of PlanetLab-like load - then the paper's 3-node experiment.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
dir=$(scripts/build.sh plain)
"$dir/geyser" simulate "$@"
echo
"$dir/geyser" simulate --scenario paper-3node
