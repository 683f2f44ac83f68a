#!/usr/bin/env bash
# Starts the real binary with the demo on a free port and runs the demo
# contract check against it; prints the plain "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --locked -q -p suveren
data=$(mktemp -d)
log="$data/server.log"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
"${CARGO_TARGET_DIR:-target}"/debug/suveren serve --demo --data "$data/d" --listen 127.0.0.1:0 2>"$log" &
pid=$!
addr=""
for _ in $(seq 1 100); do
  addr=$(sed -n 's/^Suveren listening on \(http:\/\/[0-9.:]*\)$/\1/p' "$log" | head -1)
  [ -n "$addr" ] && break
  sleep 0.2
done
[ -n "$addr" ] || { echo "server did not start:"; cat "$log"; exit 1; }
python3 tests/e2e/demo_contract.py "$addr" "$data/d"
python3 tests/e2e/lockbox_contract.py "$addr" "$data/d" "${CARGO_TARGET_DIR:-target}/debug/suveren"
python3 tests/e2e/tus_client.py "$addr" "$data/d"
