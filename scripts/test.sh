#!/usr/bin/env bash
# The test command of README.md: every test of the project, as CI runs it.
# Needs: the Rust toolchain, Node.js with npm, Python 3 (all on the
# project's machines), and for the WebDAV tests litmus, rclone and the
# Python packages of tests/dav/requirements.txt (.ci/run installs them);
# installs the OpenID provider for the OIDC tests. tests/egress needs root
# (network namespaces), strace and iproute2. tests/web needs Debian's
# chromium (skipped without it, except under CI) and installs
# playwright-core and axe-core from tests/web/package-lock.json.
# PostgreSQL 15 (scripts/pg.sh installs Debian's package when run as root)
# and moto (tests/s3/requirements.txt) for the scale-out backends: the
# store and blob suites run on both backends, the API and web suites run a
# second time on PostgreSQL + S3, and tests/cluster runs two nodes.
set -euo pipefail
cd "$(dirname "$0")/.."

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pgdir=$(mktemp -d)
chmod 755 "$pgdir"
moto_pid=""
cleanup() {
  [ -z "$moto_pid" ] || kill "$moto_pid" 2>/dev/null || true
  bash scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap cleanup EXIT

echo "== PostgreSQL for the shared store suite (scripts/pg.sh)"
eval "$(bash scripts/pg.sh start "$pgdir" "$(free_port)")"
# A backend that cannot be reached fails its tests instead of skipping them.
export SUVEREN_TEST_PG SUVEREN_TEST_REQUIRE_PG=1 SUVEREN_TEST_REQUIRE_S3=1

echo "== OpenID provider for the sign-in tests (npm ci)"
(cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error)

echo "== Unit, property and integration tests (10,000 cases per policy property)"
cargo test --workspace --locked

echo "== The API and web suites again, on PostgreSQL + S3 (moto)"
s3_port=$(free_port)
python3 -m moto.server -H 127.0.0.1 -p "$s3_port" >"$pgdir/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$s3_port/" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf -X PUT "http://127.0.0.1:$s3_port/suveren-test" >/dev/null
SUVEREN_TEST_BACKENDS=pg,s3 SUVEREN_TEST_S3="http://127.0.0.1:$s3_port,suveren-test,test,test" \
  cargo test --locked -p suveren-api -p suveren-web

echo "== Two nodes over one database and one bucket; one killed during uploads (tests/cluster)"
bash tests/cluster/run.sh

echo "== Black-box demo contract against the real binary"
bash tests/e2e/run.sh

echo "== Web UI in a real browser: headless Chromium, keyboard flows, axe-core in nb, sv and en (tests/web)"
bash tests/web/run.sh

echo "== No data leaves: demo and OIDC sign-in in network namespaces, every connect traced (tests/egress)"
bash tests/egress/run.sh

echo "== WebDAV with real clients (litmus, rclone, webdav4)"
bash tests/dav/run.sh

if [ "${SKIP_FUZZ:-0}" != 1 ] && [ -x .ci/fuzz.sh ]; then
  echo "== Fuzz smoke run of every request decoder"
  bash .ci/fuzz.sh
fi
