#!/usr/bin/env bash
# Stops the servers start.sh started, by the PIDs it saved in $STATE/pids
# (never by name): SIGTERM, then SIGKILL for whatever is still alive after
# SIGIL_SERVICES_STOP_TIMEOUT seconds (default 3; trillian_log_server's
# graceful gRPC stop can hang for 10 s and more). All application servers are
# stopped together first, MariaDB last so Trillian can close its connections.
# Safe to run twice and when nothing runs. Leaves $STATE (logs, keys, config)
# in place for inspection; start.sh wipes it on the next run.
set -euo pipefail
STATE=${SIGIL_SERVICES_STATE:-/tmp/sigil-services}
TIMEOUT=${SIGIL_SERVICES_STOP_TIMEOUT:-3}
T0=$EPOCHREALTIME

# alive PID: running and not a zombie (an orphaned server is reaped late by
# PID 1, and kill -0 succeeds on a zombie).
alive() {
  local s
  s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ -n "$s" ] && [ "$s" != Z ]
}

# stop_group PIDFILE...: TERM all, wait, KILL the rest.
stop_group() {
  local f pid started pids=() names=() i
  for f in "$@"; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    started=$(cat "${f%.pid}.started" 2>/dev/null || true)
    rm -f "$f" "${f%.pid}.started"
    [[ $pid =~ ^[0-9]+$ ]] || continue
    if [ -n "$started" ] && [ "$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null)" != "$started" ]; then
      continue # exited already; the PID is now someone else's (or nobody's)
    fi
    if alive "$pid" && kill -TERM "$pid" 2>/dev/null; then
      pids+=("$pid")
      names+=("$(basename "$f" .pid)")
    fi
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  for _ in $(seq 1 $((TIMEOUT * 20))); do
    local left=0
    for pid in "${pids[@]}"; do alive "$pid" && left=1; done
    [ $left = 0 ] && return 0
    sleep 0.05
  done
  for i in "${!pids[@]}"; do
    if alive "${pids[$i]}"; then
      echo "stop.sh: ${names[$i]} (pid ${pids[$i]}) still running after ${TIMEOUT}s: SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
}

[ -d "$STATE/pids" ] || { echo "stop.sh: nothing to stop in $STATE"; exit 0; }
shopt -s nullglob
apps=()
for f in "$STATE"/pids/*.pid; do
  [ "$(basename "$f")" = mariadb.pid ] || apps+=("$f")
done
stop_group "${apps[@]}"
stop_group "$STATE/pids/mariadb.pid"
awk -v a="$EPOCHREALTIME" -v b="$T0" 'BEGIN{printf "stop.sh: stopped in %.2fs\n", a-b}'
