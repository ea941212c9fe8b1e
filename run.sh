#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, and start geyser's
# main job on the embedded default - the daemon (`geyser serve`) on a
# simulated 800-host cloud replaying a day of PlanetLab load at 1200x, with
# the live dashboard on http://127.0.0.1:8080/ (Ctrl-C stops it).
#
# The day replayed is the real PlanetLab trace 20110303 when ../shared holds
# it (the research workload), otherwise the embedded synthetic day shaped
# like it: nothing outside the repository is needed.
#
#   ./run.sh [SERVE OPTIONS]      the daemon and dashboard (options go to serve)
#   ./run.sh simulate [OPTIONS]   the batch job instead: `geyser simulate` on the
#                                 same cloud, then the paper's 3-node experiment
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
dir=$(scripts/build.sh plain)
day=${GEYSER_SHARED:-$(cd .. && pwd)/shared}/data/planetlab/20110303
workload=()
if [ -d "$day" ]; then
  workload=(--scenario planetlab --trace "$day")
fi
if [ "${1:-}" = simulate ]; then
  shift
  "$dir/geyser" simulate "${workload[@]}" "$@"
  echo
  exec "$dir/geyser" simulate --scenario paper-3node
fi
[ "${1:-}" = serve ] && shift # the default; accepted for habit
echo "run.sh: starting geyser serve on the simulated cloud (${workload[*]:-synthetic day});" \
  "open the dashboard URL it prints (http://127.0.0.1:8080/ by default); Ctrl-C stops it" >&2
exec "$dir/geyser" serve --speed 1200 "${workload[@]}" "$@"
