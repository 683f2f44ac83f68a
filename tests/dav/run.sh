#!/usr/bin/env bash
# Real WebDAV clients against the real binary: builds suveren, starts it with
# the demo on a free port in a temp dir, and runs litmus (litmus.sh, against
# the committed baseline), rclone (rclone_sync.sh) and webdav4
# (client_test.py, with the tenancy checks) as lars.laerer@nordvik.test,
# each client with its own app password. Exits non-zero if any failed.
# DAV_CLIENTS picks clients (default "litmus rclone webdav4");
# DAV_SKIP_BUILD=1 uses target/debug/suveren as it is.
set -euo pipefail
cd "$(dirname "$0")/../.."
clients=${DAV_CLIENTS:-litmus rclone webdav4}
for c in $clients; do
  case $c in
    litmus) command -v litmus >/dev/null || { echo "run.sh: litmus is missing (apt-get install litmus)"; exit 2; } ;;
    rclone) command -v rclone >/dev/null || { echo "run.sh: rclone is missing (apt-get install rclone)"; exit 2; } ;;
    webdav4) python3 -c 'import webdav4' 2>/dev/null || { echo "run.sh: pip install -r tests/dav/requirements.txt"; exit 2; } ;;
    *) echo "run.sh: unknown client $c"; exit 2 ;;
  esac
done

[ "${DAV_SKIP_BUILD:-0}" = 1 ] || cargo build --locked -q -p suveren
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dav-run.XXXXXX")
log="$tmp/server.log"
pid=""
stop() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
}
trap 'stop; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

"${CARGO_TARGET_DIR:-target}"/debug/suveren serve --demo --data "$tmp/d" --listen 127.0.0.1:0 2>"$log" &
pid=$!
base=""
for _ in $(seq 1 100); do
  base=$(sed -n 's/^Suveren listening on \(http:\/\/[0-9.:]*\)$/\1/p' "$log" | head -1)
  [ -n "$base" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
[ -n "$base" ] || { echo "server did not start:"; cat "$log"; exit 1; }
user=lars.laerer@nordvik.test
url="$base/dav/files/$user/"
password() { python3 tests/dav/get_app_password.py "$base" "$tmp/d" "$user" "$1"; }

failed=()
for c in $clients; do
  echo "-- $c"
  case $c in
    litmus) bash tests/dav/litmus.sh "$url" "$user" "$(password litmus)" || failed+=(litmus) ;;
    rclone) bash tests/dav/rclone_sync.sh "$url" "$user" "$(password rclone)" || failed+=(rclone) ;;
    webdav4) python3 tests/dav/client_test.py "$url" "$user" "$(password webdav4)" --tenancy "$base" "$tmp/d" || failed+=(webdav4) ;;
  esac
  kill -0 "$pid" 2>/dev/null || { echo "the server died during $c:"; tail -40 "$log"; pid=""; failed+=(server); break; }
done
stop

if [ "${#failed[@]}" -gt 0 ]; then
  echo "-- server log (last 40 lines)"
  tail -40 "$log"
  echo "WebDAV clients FAILED: ${failed[*]}"
  exit 1
fi
echo "WebDAV clients: all passed ($clients)"
