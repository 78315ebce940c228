#!/usr/bin/env bash
# The chaos run: Azurite plus three silo processes on loopback in the production profile (Azure Table membership,
# Blob grain state, Azure Queue streams, an API key, a short history window), a steady load of events (some re-sent),
# item PUTs (new items, text changes) and recommendation queries through the silos that are up; SIGKILL of one silo;
# SIGSTOP of another until the cluster declares it dead, then SIGCONT (it must leave the cluster). Then checks that
# every event answered 202 is in its user's history exactly once (evicted ones re-sent must not come back) and that
# every acknowledged item is found by a similarity search of its own embedding (an Orleans client searches the index
# as retrieval does); then a SIGKILL of the whole cluster, three new silos, and the same checks again with histories
# and recommendations compared with what they were. The last line is
#   chaos: sent=N accepted=N applied=N lost=N duplicated=N items_lost=N recovery_s=S restart_ok=true|false
# and the exit code is 0 only for lost=0 duplicated=0 items_lost=0 restart_ok=true with recovery under 30 s.
#
#   scripts/chaos.sh           the full run: more items, users and load, and a graceful restart after the SIGKILL one
#   scripts/chaos.sh --quick   the shorter variant scripts/test.sh runs
#   scripts/chaos.sh --no-build  either of the above without building first (scripts/test.sh has built already)
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

mode=()
build=1
for arg in "$@"; do
  case "$arg" in
    --quick) mode+=(--quick) ;;
    --no-build) build=0 ;;
    *) echo "usage: scripts/chaos.sh [--quick] [--no-build]" >&2; exit 2 ;;
  esac
done

fail() {
  echo "chaos: $1" >&2
  echo "chaos: sent=0 accepted=0 applied=0 lost=0 duplicated=0 items_lost=0 recovery_s=0 restart_ok=false"
  exit 1
}

if [ "$build" -eq 1 ]; then
  dotnet build silo -c Release --nologo -clp:ErrorsOnly >&2 || fail "building the silo failed"
fi
dotnet build tools/chaos -c Release --nologo -clp:ErrorsOnly >&2 || fail "building the chaos driver failed"

silo_dll="$root/silo/bin/Release/net10.0/linux-x64/Actors.Silo.dll"
driver_dll="$root/tools/chaos/bin/Release/net10.0/linux-x64/Actors.Chaos.dll"
[ -f "$silo_dll" ] || fail "no silo binary at $silo_dll"

# shellcheck source=scripts/azurite.sh
source scripts/azurite.sh
pid_file="$(mktemp -t actors-chaos-pids-XXXXXX)"
cleanup() {
  # The driver ends its silos itself; these are only the ones a crashed or interrupted driver left behind.
  if [ -s "$pid_file" ]; then
    while read -r pid; do kill -KILL "$pid" 2>/dev/null; done <"$pid_file"
  fi
  rm -f "$pid_file"
  azurite_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM
azurite_start || fail "Azurite did not start"

dotnet "$driver_dll" --silo "$silo_dll" --dataset "$root/data/Scientific" --pid-file "$pid_file" "${mode[@]}"
