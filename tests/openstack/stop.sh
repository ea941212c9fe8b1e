#!/usr/bin/env bash
# stop.sh - stop the all-in-one started by start.sh.
# Only the processes recorded in $OS_AIO_DIR/run/*.pid are signalled. Each
# was started with setsid, so its pid is also its process-group id and the
# whole group (uwsgi workers, forked service workers, erlang helpers) is
# stopped. A pid file is trusted only while the process start time recorded
# in it still matches (protects against pid reuse).
# Order: OpenStack services (in parallel), then rabbitmq + epmd, then mariadb.
# SIGTERM first, SIGKILL after 30 s.
# Usage: stop.sh [--purge]   (--purge also deletes the state in $OS_AIO_DIR)
set -uo pipefail
OS_DIR=${OS_AIO_DIR:-/tmp/openstack}
case $OS_DIR in /?*) ;; *) echo "OS_AIO_DIR must be an absolute path below / (got '$OS_DIR')" >&2; exit 2 ;; esac
RUN=$OS_DIR/run
PURGE=false
case "${1:-}" in
  --purge) PURGE=true ;;
  "") ;;
  -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
  *) echo "unknown argument: $1" >&2; exit 2 ;;
esac

proc_start_time() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'; }
group_alive() { kill -0 -- "-$1" 2>/dev/null; }

# stop_group name... : SIGTERM all the named groups, wait for all of them
stop_group() {
  local name f pid st pids=""
  for name in "$@"; do
    f=$RUN/$name.pid
    [ -f "$f" ] || continue
    read -r pid st < "$f"
    if [ -z "${pid:-}" ]; then rm -f "$f"; continue; fi
    if [ -d "/proc/$pid" ] && [ "$(proc_start_time "$pid")" != "$st" ]; then
      echo "  $name: pid $pid now belongs to another process, not touching it"; rm -f "$f"; continue
    fi
    if group_alive "$pid"; then
      echo "  stopping $name (pgid $pid)"
      kill -TERM -- "-$pid" 2>/dev/null
      pids="$pids $pid"
    fi
    rm -f "$f"
  done
  [ -n "$pids" ] || return 0
  for _ in $(seq 1 60); do
    local alive=""
    for pid in $pids; do group_alive "$pid" && alive="$alive $pid"; done
    pids=$alive
    [ -n "$pids" ] || return 0
    sleep 0.5
  done
  echo "  still alive after 30 s, sending SIGKILL to groups:$pids"
  for pid in $pids; do kill -KILL -- "-$pid" 2>/dev/null; done
  sleep 1
}

if [ -d "$RUN" ]; then
  services=""
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .pid)
    case $n in rabbitmq|epmd|mariadb) ;; *) services="$services $n" ;; esac
  done
  # shellcheck disable=SC2086
  stop_group $services
  stop_group rabbitmq
  stop_group epmd
  stop_group mariadb
fi
if $PURGE; then
  rm -rf "${OS_DIR:?}/etc" "${OS_DIR:?}/run" "${OS_DIR:?}/log" "${OS_DIR:?}/data" "${OS_DIR:?}/openrc"
  echo "state removed from $OS_DIR"
fi
echo "stopped"
