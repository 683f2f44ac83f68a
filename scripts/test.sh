#!/usr/bin/env bash
# The test command of README.md: every test of the project, as CI runs it.
# Needs: the Rust toolchain, Node.js with npm, Python 3 (all on the
# project's machines), and for the WebDAV tests litmus, rclone and the
# Python packages of tests/dav/requirements.txt (.ci/run installs them);
# installs the OpenID provider for the OIDC tests. tests/egress needs root
# (network namespaces), strace and iproute2. tests/web needs Debian's
# chromium (skipped without it, except under CI) and installs
# playwright-core and axe-core from tests/web/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== OpenID provider for the sign-in tests (npm ci)"
(cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error)

echo "== Unit, property and integration tests (10,000 cases per policy property)"
cargo test --workspace --locked

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
