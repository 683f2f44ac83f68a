#!/usr/bin/env bash
# Browser tests of the web UI: starts the real binary with the demo on a
# free port and drives Debian's headless Chromium through playwright-core
# (node's test runner), checking every page with axe-core.
#   bash tests/web/run.sh                 run the tests (tests/web/*.test.mjs)
#   bash tests/web/run.sh FILE...          only these test files
#   bash tests/web/run.sh --screenshots   regenerate docs/screenshots/*.png
# Needs: node with npm (`npm ci --prefix tests/web` installs playwright-core
# and axe-core; never `npx playwright install`: the browser is Debian's
# `chromium` package). Without /usr/bin/chromium the tests are skipped with a
# message, except under CI (CI set), where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  if [ -n "${CI:-}" ] && [ "${CI}" != 0 ] && [ "${CI}" != false ]; then
    echo "FAIL: $CHROMIUM is missing (apt-get install -y chromium); the browser tests cannot run" >&2
    exit 1
  fi
  echo "SKIPPED: $CHROMIUM is missing (apt-get install -y chromium); browser tests not run"
  exit 0
fi
[ -d tests/web/node_modules/playwright-core ] || npm ci --prefix tests/web --no-audit --no-fund --loglevel=error
[ "${WEB_NO_BUILD:-0}" = 1 ] || cargo build --locked -q -p suveren
tmp=$(mktemp -d)
log="$tmp/server.log"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
# Screenshots show addresses (the WebDAV how-to): a fixed port keeps them
# the same from one regeneration to the next.
listen=127.0.0.1:0
[ "${1:-}" = "--screenshots" ] && listen="127.0.0.1:${SCREENSHOT_PORT:-8080}"
"${CARGO_TARGET_DIR:-target}"/debug/suveren serve --demo --data "$tmp/d" --listen "$listen" 2>"$log" &
pid=$!
addr=""
for _ in $(seq 1 150); do
  addr=$(sed -n 's/^Suveren listening on \(http:\/\/[0-9.:]*\)$/\1/p' "$log" | head -1)
  [ -n "$addr" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
[ -n "$addr" ] || { echo "server did not start:"; cat "$log"; exit 1; }
export SUVEREN_BASE="$addr" SUVEREN_DATA="$tmp/d"
if [ "${1:-}" = "--screenshots" ]; then
  node tests/web/screenshots.mjs
  exit
fi
status=0
# One file at a time: they share the server, its demo data and the TOTP steps.
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(tests/web/*.test.mjs)
timeout 600 node --test --test-concurrency=1 --test-reporter=spec "${files[@]}" || status=$?
[ "$status" = 0 ] || { echo "--- server log (last 40 lines)"; tail -40 "$log"; }
exit "$status"
