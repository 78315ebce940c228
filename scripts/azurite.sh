#!/usr/bin/env bash
# Azurite, the Azure Storage emulator pinned in package.json, on 127.0.0.1 only.
#
#   source scripts/azurite.sh; azurite_start; ...; azurite_stop     (what scripts/test.sh and scripts/chaos.sh do)
#   scripts/azurite.sh run                                          (in the foreground, for trying the production profile by hand)
#
# azurite_start installs Azurite with `npm ci` when needed, starts it on free loopback ports with its data in a
# fresh temporary folder, waits until it answers and exports AZURITE_CONNECTION_STRING. azurite_stop ends that
# process (by its pid) and deletes the folder.

AZURITE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

azurite_install() {
  if [ ! -x "$AZURITE_ROOT/node_modules/.bin/azurite" ]; then
    command -v npm >/dev/null || { echo "azurite: npm is not installed (Node.js 20 or later is needed for Azurite)" >&2; return 1; }
    (cd "$AZURITE_ROOT" && npm ci --no-audit --no-fund --loglevel=error) >&2 || { echo "azurite: npm ci failed" >&2; return 1; }
  fi
}

# Three TCP ports on loopback that were free a moment ago.
azurite_free_ports() {
  node -e '
    const net = require("net");
    const take = () => new Promise(r => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); });
    (async () => { const ports = new Set(); while (ports.size < 3) ports.add(await take()); console.log([...ports].join(" ")); })();'
}

# The public development key of the emulator (documented by Microsoft); only ever paired with loopback endpoints.
AZURITE_ACCOUNT=devstoreaccount1
AZURITE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

azurite_start() {
  azurite_install || return 1
  AZURITE_DIR="$(mktemp -d -t actors-azurite-XXXXXX)"
  read -r blob queue table < <(azurite_free_ports)
  "$AZURITE_ROOT/node_modules/.bin/azurite" \
    --silent --skipApiVersionCheck --disableProductStyleUrl \
    --blobHost 127.0.0.1 --blobPort "$blob" \
    --queueHost 127.0.0.1 --queuePort "$queue" \
    --tableHost 127.0.0.1 --tablePort "$table" \
    --location "$AZURITE_DIR/data" >"$AZURITE_DIR/out.log" 2>&1 &
  AZURITE_PID=$!
  local deadline=$((SECONDS + 60))
  for port in "$blob" "$queue" "$table"; do
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
      if ! kill -0 "$AZURITE_PID" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
        echo "azurite: did not start on 127.0.0.1:$blob/$queue/$table; its output:" >&2
        cat "$AZURITE_DIR/out.log" >&2
        azurite_stop
        return 1
      fi
      sleep 0.2
    done
  done
  AZURITE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$AZURITE_ACCOUNT;AccountKey=$AZURITE_KEY;BlobEndpoint=http://127.0.0.1:$blob/$AZURITE_ACCOUNT;QueueEndpoint=http://127.0.0.1:$queue/$AZURITE_ACCOUNT;TableEndpoint=http://127.0.0.1:$table/$AZURITE_ACCOUNT;"
  export AZURITE_CONNECTION_STRING AZURITE_PID AZURITE_DIR
  echo "azurite: pid $AZURITE_PID on 127.0.0.1 (blob $blob, queue $queue, table $table), data in $AZURITE_DIR" >&2
}

azurite_stop() {
  if [ -n "${AZURITE_PID:-}" ]; then
    kill "$AZURITE_PID" 2>/dev/null
    wait "$AZURITE_PID" 2>/dev/null
    AZURITE_PID=
  fi
  if [ -n "${AZURITE_DIR:-}" ]; then
    rm -rf "$AZURITE_DIR"
    AZURITE_DIR=
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    run)
      azurite_start
      trap azurite_stop EXIT INT TERM
      echo "export ConnectionStrings__AzureStorage='$AZURITE_CONNECTION_STRING'"
      echo "azurite: running; Ctrl-C stops it and deletes its data" >&2
      wait "$AZURITE_PID"
      ;;
    *)
      echo "usage: scripts/azurite.sh run    (or source it and call azurite_start / azurite_stop)" >&2
      exit 2
      ;;
  esac
fi
