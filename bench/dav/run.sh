#!/usr/bin/env bash
# WebDAV benchmark (issue 3): Suveren against Apache httpd + mod_dav, nginx + dav-ext,
# rclone serve webdav and dufs, plus the machine floors, in one run on this machine.
# Writes bench/dav/results/dav-<UTC time>.{md,json} (and latest.{md,json}) and prints the table.
# Not a test; never run in CI. See bench/dav/README.md for the workloads, parameters and peer configs.
#
#   bench/dav/run.sh                                 # everything, defaults of the issue (~10-15 min)
#   DAV_BENCH_TARGETS=apache,nginx bench/dav/run.sh  # a subset
#   SUVEREN_BIN=path/to/suveren bench/dav/run.sh     # another Suveren binary
#   DAV_BENCH_BUILD=0 bench/dav/run.sh               # never build Suveren (it is n/a if the binary is missing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export PATH="$PATH:$HOME/.cargo/bin"

if [ "$(id -u)" != 0 ]; then
  echo "run as root: Apache and nginx start as root and drop to www-data" >&2
  exit 1
fi
missing=""
for t in apache2 nginx rclone oha dufs curl strace fincore python3; do
  command -v "$t" >/dev/null || missing="$missing $t"
done
[ -e /usr/lib/nginx/modules/ngx_http_dav_ext_module.so ] || missing="$missing libnginx-mod-http-dav-ext"
if [ -n "$missing" ]; then
  echo "missing:$missing" >&2
  echo "install: apt-get install apache2 nginx libnginx-mod-http-dav-ext rclone strace curl util-linux;" \
    "cargo install --locked oha dufs" >&2
  # oha is required; a missing peer server is reported n/a by the harness
  command -v oha >/dev/null || exit 1
fi

targets="${DAV_BENCH_TARGETS:-suveren,apache,nginx,rclone,dufs}"
export SUVEREN_BIN="${SUVEREN_BIN:-$repo/target/release/suveren}"
if [[ ",$targets," == *,suveren,* ]] && [ ! -x "$SUVEREN_BIN" ] && [ "${DAV_BENCH_BUILD:-1}" != 0 ] \
  && [ "$SUVEREN_BIN" = "$repo/target/release/suveren" ]; then
  echo "building $SUVEREN_BIN (cargo build --release --locked -p suveren; several minutes)" >&2
  if ! (cd "$repo" && cargo build --release --locked -p suveren >&2); then
    echo "build failed: Suveren will be n/a" >&2
  fi
fi

exec python3 "$here/harness.py"
