#!/usr/bin/env bash
# Starts a single-node Garage (the reference S3 server) for tests/cluster.
#
#   tests/cluster/garage.sh GARAGE_BIN DIR PORT BUCKET
#
# Writes DIR/garage.toml, starts the server (pid in DIR/pid, log in
# DIR/garage.log), lays out the one node, creates BUCKET and a key allowed
# on it, and prints "KEY_ID SECRET". Loopback only.
set -euo pipefail
bin=$1 dir=$2 port=$3 bucket=$4
mkdir -p "$dir"
rpc=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$dir/garage.toml" <<TOML
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$rpc"
rpc_public_addr = "127.0.0.1:$rpc"
rpc_secret = "$(python3 -c 'import secrets; print(secrets.token_hex(32))')"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$port"
root_domain = ".s3.garage.localhost"
TOML
"$bin" -c "$dir/garage.toml" server >"$dir/garage.log" 2>&1 &
echo $! >"$dir/pid"
g() { "$bin" -c "$dir/garage.toml" "$@"; }
retry() { # the node needs a moment before its RPC answers
  for _ in $(seq 1 150); do
    if out=$(g "$@" 2>&1); then printf '%s' "$out"; return 0; fi
    sleep 0.2
  done
  echo "garage $* failed: $out" >&2; tail -20 "$dir/garage.log" >&2; return 1
}
id=$(retry node id -q | cut -d@ -f1)
retry layout assign -z dc1 -c 1G "$id" >/dev/null
retry layout apply --version 1 >/dev/null
retry bucket create "$bucket" >/dev/null
key=$(retry key create suveren-cluster)
retry bucket allow --read --write --owner "$bucket" --key suveren-cluster >/dev/null
key_id=$(grep -o 'GK[0-9a-f]*' <<<"$key" | head -1)
secret=$(grep -oE '\b[0-9a-f]{64}\b' <<<"$key" | head -1)
[ -n "$key_id" ] && [ -n "$secret" ] || { echo "no key in: $key" >&2; exit 1; }
for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
echo "$key_id $secret"
