#!/usr/bin/env bash
# Two `suveren serve` nodes over one PostgreSQL database and one S3 bucket,
# driven by tests/cluster/two_nodes.py: shared sessions, directory changes,
# WebDAV locks and sign-in throttling across nodes, then one node killed
# during uploads while the other carries on with nothing lost.
#
# Needs PostgreSQL 15 (scripts/pg.sh installs it) and an S3 server: Garage
# when SUVEREN_TEST_GARAGE names its binary, else moto (tests/s3/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --locked -q -p suveren
bin="${CARGO_TARGET_DIR:-target}/debug/suveren"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  bash scripts/pg.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"   # the postgres user needs to reach its data folder
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pg_port=$(free_port)
bash scripts/pg.sh start "$work/pg" "$pg_port" >/dev/null
psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE suveren_cluster" >/dev/null

s3_port=$(free_port)
if [ -n "${SUVEREN_TEST_GARAGE:-}" ]; then
  read -r s3_key s3_secret < <(bash tests/cluster/garage.sh "$SUVEREN_TEST_GARAGE" "$work/garage" "$s3_port" suveren)
  pids+=("$(cat "$work/garage/pid")")
  region=garage
  echo "S3 server: Garage"
else
  python3 -m moto.server -H 127.0.0.1 -p "$s3_port" >"$work/moto.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$s3_port/" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -sf -X PUT "http://127.0.0.1:$s3_port/suveren" >/dev/null
  s3_key=test s3_secret=test region=us-east-1
  echo "S3 server: moto"
fi

start_node() { # name port [--demo]
  local name=$1 port=$2
  mkdir -p "$work/$name"
  local prefix_line=""
  [ -z "${s3_prefix:-}" ] || prefix_line="prefix = \"$s3_prefix\""
  cat >"$work/$name.toml" <<TOML
listen = "127.0.0.1:$port"
data = "$work/$name/data"
[store]
database_url = "postgres://postgres@127.0.0.1:$pg_port/${db_name:-suveren_cluster}"
max_connections = 8
[blobs.s3]
endpoint = "http://127.0.0.1:$s3_port"
bucket = "suveren"
$prefix_line
region = "$region"
access_key_id = "$s3_key"
secret_access_key = "$s3_secret"
[node]
name = "$name"
TOML
  "$bin" serve --config "$work/$name.toml" ${3:-} 2>"$work/$name.log" &
  pids+=($!)
  echo $! >"$work/$name.pid"
  disown $!   # the test kills node a on purpose: no "Killed" notice
  for _ in $(seq 1 150); do
    grep -qs "^Suveren listening on" "$work/$name.log" && return 0
    kill -0 "$(cat "$work/$name.pid")" 2>/dev/null || break
    sleep 0.2
  done
  echo "node $name did not start:"; cat "$work/$name.log"; exit 1
}

port_a=$(free_port) port_b=$(free_port)
start_node a "$port_a" --demo
# Every node needs the same master key and audit signing key.
mkdir -p "$work/b/data/keys"
cp -p "$work/a/data/keys/master.key" "$work/a/data/keys/audit-ed25519.pem" "$work/b/data/keys/"
chmod 700 "$work/b/data" "$work/b/data/keys"
start_node b "$port_b"
python3 tests/cluster/two_nodes.py "http://127.0.0.1:$port_a" "http://127.0.0.1:$port_b" "$work/a/data" "$(cat "$work/a.pid")" "$work/state.json" \
  || { echo "--- node a log"; tail -30 "$work/a.log"; echo "--- node b log"; tail -30 "$work/b.log"; exit 1; }

# Backup and restore of PostgreSQL + S3, as docs/operations.md describes it:
# pg_dump first, then a copy of the bucket (blobs stay for
# blobs.delete_grace_hours after nothing refers to them, so the copy holds
# everything the dump needs); restored into a new database and a new key
# prefix, and a node started on them serves the same files and audit log.
echo "== Backup (pg_dump, bucket copy) and restore into a new database and bucket prefix"
anna_token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["anna"])' "$work/state.json")
"$bin" audit export --tenant nordvik --server "http://127.0.0.1:$port_b" --login anna.admin@nordvik.test \
  --token "$anna_token" --out "$work/audit-before.jsonl"
pg_dump -h 127.0.0.1 -p "$pg_port" -U postgres -Fc -f "$work/suveren.dump" suveren_cluster
export RCLONE_CONFIG_S3_TYPE=s3 RCLONE_CONFIG_S3_PROVIDER=Other RCLONE_CONFIG_S3_ENDPOINT="http://127.0.0.1:$s3_port" \
  RCLONE_CONFIG_S3_ACCESS_KEY_ID="$s3_key" RCLONE_CONFIG_S3_SECRET_ACCESS_KEY="$s3_secret" RCLONE_CONFIG_S3_REGION="$region"
env -u AWS_CA_BUNDLE rclone copy -q s3:suveren "$work/bucket-copy"
psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE suveren_restored" >/dev/null
pg_restore -h 127.0.0.1 -p "$pg_port" -U postgres -d suveren_restored "$work/suveren.dump"
env -u AWS_CA_BUNDLE rclone copy -q "$work/bucket-copy" s3:suveren/restored
port_c=$(free_port)
mkdir -p "$work/c/data/keys"
cp -p "$work/a/data/keys/master.key" "$work/a/data/keys/audit-ed25519.pem" "$work/c/data/keys/"
chmod 700 "$work/c/data" "$work/c/data/keys"
db_name=suveren_restored s3_prefix=restored start_node c "$port_c"
"$bin" audit export --tenant nordvik --server "http://127.0.0.1:$port_c" --login anna.admin@nordvik.test \
  --token "$anna_token" --out "$work/audit-restored.jsonl"
python3 tests/cluster/restored.py "http://127.0.0.1:$port_c" "$work/state.json" "$work/audit-before.jsonl" "$work/audit-restored.jsonl" "$bin" \
  || { echo "--- node c log"; tail -30 "$work/c.log"; exit 1; }
