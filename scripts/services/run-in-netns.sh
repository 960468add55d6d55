#!/usr/bin/env bash
# Runs a command in a private network namespace that has only a loopback
# interface, so that the local Sigstore stack (start.sh) and the tests that
# talk to it see each other on 127.0.0.1 and nothing else sees them.
# timestamp-server, rekor-server and fulcio open Prometheus listeners on all
# interfaces that no flag moves to 127.0.0.1; here "all" is only this lo.
#
#   run-in-netns.sh CMD [ARG...]
#       a fresh anonymous namespace; it disappears when the last process in
#       it exits, so CMD must stop the stack itself, e.g.
#       run-in-netns.sh bash -c 'scripts/services/start.sh && trap scripts/services/stop.sh EXIT && go test ./...'
#
#   SIGIL_NETNS=NAME run-in-netns.sh CMD [ARG...]
#       a named, persistent namespace (ip netns add NAME on first use), so
#       start.sh, smoke.sh, go test and stop.sh can be separate commands
#       (interactive work). Remove it afterwards with: ip netns delete NAME
#
# Needs root (CI is root). There is no network inside: have Go modules in
# the module cache before entering (go mod download).
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 CMD [ARG...]" >&2; exit 2; }
asroot=()
[ "$(id -u)" -eq 0 ] || asroot=(sudo -E)
if [ -n "${SIGIL_NETNS:-}" ]; then
  [ -e "/run/netns/$SIGIL_NETNS" ] || "${asroot[@]}" ip netns add "$SIGIL_NETNS"
  "${asroot[@]}" ip netns exec "$SIGIL_NETNS" ip link set lo up
  exec "${asroot[@]}" ip netns exec "$SIGIL_NETNS" "$@" # the environment is kept
fi
exec "${asroot[@]}" unshare --net -- bash -c 'ip link set lo up && exec "$@"' bash "$@"
