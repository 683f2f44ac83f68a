#!/usr/bin/env bash
# The scale benchmark of issue 6: 50,000 principals and N file entries on
# SQLite + a blob folder (embedded) and, after `suveren store migrate`, on
# PostgreSQL + S3 (Garage), measured in the same run on the same machine.
#
#   bench/scale/run.sh                       # 5,000,000 files
#   SCALE_FILES=100000 bench/scale/run.sh    # a quick end-to-end run
#
# Environment (defaults):
#   SCALE_FILES=5000000       file entries generated
#   SCALE_PRINCIPALS=50000
#   SCALE_CLIENTS=64          concurrent load clients
#   SCALE_PHASE_SECS=20       seconds per load phase
#   SCALE_WORK=/tmp/suveren-scale   work folder (emptied first; needs disk)
#   SCALE_PORT=18480          first of four loopback ports used
#   GARAGE=/work/cache/garage/bin/garage   the S3 server (Garage 2.x)
#   SCALE_NICE=0              niceness of everything measured (servers, PostgreSQL,
#                             Garage, generator, load); -10 puts it ahead of other builds
#   SCALE_SKIP_BUILD=1        use the binaries in target/release as they are
#   SCALE_BIN, SCALE_BENCH_BIN   other suveren / suveren-bench binaries (implies no build)
#
# Prints the figures as markdown at the end and keeps everything in
# $SCALE_WORK (generate.json, migrate.json, load-*.json, logs). Stops the
# servers it started on exit. Loopback only.
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$(pwd)
FILES=${SCALE_FILES:-5000000}
PRINCIPALS=${SCALE_PRINCIPALS:-50000}
CLIENTS=${SCALE_CLIENTS:-64}
PHASE=${SCALE_PHASE_SECS:-20}
WORK=${SCALE_WORK:-/tmp/suveren-scale}
PORT=${SCALE_PORT:-18480}
GARAGE=${GARAGE:-/work/cache/garage/bin/garage}
NICE=${SCALE_NICE:-0}
PG_PORT=$PORT S3_PORT=$((PORT + 1)) SQLITE_HTTP=$((PORT + 2)) PG_HTTP=$((PORT + 3))

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [ -f "$WORK/pg/data/postmaster.pid" ]; then bash scripts/pg.sh stop "$WORK/pg" 2>/dev/null || true; fi
}
trap cleanup EXIT

if [ "${SCALE_SKIP_BUILD:-0}" != 1 ] && [ -z "${SCALE_BIN:-}" ]; then
    log "building (release): suveren, suveren-bench"
    cargo build --release --locked -p suveren -p suveren-bench
fi
BIN=${SCALE_BIN:-$root/target/release/suveren}
BENCH=${SCALE_BENCH_BIN:-$root/target/release/suveren-bench}
[ -x "$GARAGE" ] || { echo "no Garage binary at $GARAGE (set GARAGE)" >&2; exit 1; }

if [ -f "$WORK/pg/data/postmaster.pid" ]; then bash scripts/pg.sh stop "$WORK/pg" 2>/dev/null || true; fi
rm -rf "$WORK"
mkdir -p "$WORK"
echo "files=$FILES principals=$PRINCIPALS clients=$CLIENTS phase_secs=$PHASE nice=$NICE" >"$WORK/params"

# 1. Generate the embedded installation.
log "generating $FILES files for $PRINCIPALS principals into $WORK/embedded"
nice -n "$NICE" "$BENCH" scale generate --data "$WORK/embedded" --files "$FILES" --principals "$PRINCIPALS" | tee "$WORK/generate.log"
cp "$WORK/embedded/scale.json" "$WORK/generate.json"

# 2. PostgreSQL 15 and Garage, both on loopback.
log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
pg_url=$(bash scripts/pg.sh start "$WORK/pg" "$PG_PORT" | sed -n 's/^export SUVEREN_TEST_PG=//p')
pg_url=${pg_url%/postgres}/suveren
runuser -u postgres -- psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE suveren" postgres
pg_pid=$(head -1 "$WORK/pg/data/postmaster.pid")
# Backends started later inherit the postmaster's niceness.
renice -n "$NICE" -p "$pg_pid" $(pgrep -P "$pg_pid") >/dev/null

log "starting Garage on 127.0.0.1:$S3_PORT"
g="$WORK/garage"
mkdir -p "$g"
rpc=$((PORT + 4))
cat >"$g/garage.toml" <<TOML
metadata_dir = "$g/meta"
data_dir = "$g/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$rpc"
rpc_public_addr = "127.0.0.1:$rpc"
rpc_secret = "$(python3 -c 'import secrets; print(secrets.token_hex(32))')"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$S3_PORT"
root_domain = ".s3.garage.localhost"
TOML
nice -n "$NICE" "$GARAGE" -c "$g/garage.toml" server >"$g/garage.log" 2>&1 &
garage_pid=$!
pids+=("$garage_pid")
gcmd() { "$GARAGE" -c "$g/garage.toml" "$@"; }
retry() {
    local out
    for _ in $(seq 1 150); do
        if out=$(gcmd "$@" 2>&1); then printf '%s' "$out"; return 0; fi
        sleep 0.2
    done
    echo "garage $* failed: $out" >&2
    tail -20 "$g/garage.log" >&2
    return 1
}
node=$(retry node id -q | cut -d@ -f1)
retry layout assign -z dc1 -c 10G "$node" >/dev/null
retry layout apply --version 1 >/dev/null
retry bucket create suveren >/dev/null
key=$(retry key create suveren-scale)
retry bucket allow --read --write --owner suveren --key suveren-scale >/dev/null
key_id=$(grep -o 'GK[0-9a-f]*' <<<"$key" | head -1)
secret=$(grep -oE '\b[0-9a-f]{64}\b' <<<"$key" | head -1)

cat >"$WORK/cluster.toml" <<TOML
[store]
database_url = "$pg_url"

[blobs.s3]
endpoint = "http://127.0.0.1:$S3_PORT"
bucket = "suveren"
region = "garage"
access_key_id = "$key_id"
secret_access_key = "$secret"
allow_http = true
TOML
chmod 600 "$WORK/cluster.toml"

# 3. Migrate (the embedded server is not running).
log "suveren store migrate --data $WORK/embedded --to $WORK/cluster.toml"
start=$(date +%s.%N)
set +e
nice -n "$NICE" "$BIN" store migrate --data "$WORK/embedded" --to "$WORK/cluster.toml" --json >"$WORK/migrate-report.json" 2>"$WORK/migrate.log"
code=$?
set -e
end=$(date +%s.%N)
python3 - "$start" "$end" "$code" "$WORK" <<'PY'
import json, sys
start, end, code, work = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
try:
    report = json.load(open(f"{work}/migrate-report.json"))
except Exception:
    report = None
json.dump({"seconds": round(end - start, 1), "exit": code, "report": report}, open(f"{work}/migrate.json", "w"), indent=2)
PY
log "migration exit $code after $(python3 -c "print(round($end - $start, 1))") s"
if [ "$code" != 0 ]; then
    tail -20 "$WORK/migrate.log" >&2
    exit 1
fi

# The PostgreSQL node's own data folder: the keys (not in the database) and
# a copy of the search index (per node; the feed positions carried over).
mkdir -p "$WORK/node-pg"
cp -a "$WORK/embedded/keys" "$WORK/node-pg/keys"
cp -a "$WORK/embedded/index" "$WORK/node-pg/index"

# 4. Each backend under load, one after the other.
serve_and_load() { # label backend-name port backend-pids serve-args...
    local label=$1 name=$2 port=$3 bpids=$4
    shift 4
    log "serve ($name) on 127.0.0.1:$port"
    nice -n "$NICE" "$BIN" serve --listen "127.0.0.1:$port" "$@" >"$WORK/serve-$label.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    nice -n "$NICE" "$BENCH" scale load --url "http://127.0.0.1:$port" --backend "$name" --pid "$pid" \
        ${bpids:+--backend-pids "$bpids"} --clients "$CLIENTS" --phase-secs "$PHASE" \
        --principals "$PRINCIPALS" --out "$WORK/load-$label.json" | tee "$WORK/load-$label.log"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

serve_and_load sqlite "SQLite + blob folder" "$SQLITE_HTTP" "" --data "$WORK/embedded"

serve_and_load pg "PostgreSQL 15 + Garage S3" "$PG_HTTP" "$pg_pid,$garage_pid" \
    --config "$WORK/cluster.toml" --data "$WORK/node-pg"

# The statement the search index's catch-up runs for every change
# (`Store::scan`: the subtree of the changed path, trashed rows included),
# timed once on each database for an upload's path.
probe_drive=$(python3 -c "import sqlite3,sys; c=sqlite3.connect('file:$WORK/embedded/meta.db?mode=ro', uri=True); print(c.execute(\"select drive from changes order by seq desc limit 1\").fetchone()[0])")
python3 - "$WORK/embedded/meta.db" "$probe_drive" >"$WORK/scan-probe" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
q = "SELECT id, trash FROM nodes WHERE drive = ? AND (path = ? OR (path >= ? AND path < ?))"
args = (sys.argv[2], "/x", "/x/", "/x0")
print("sqlite plan:", c.execute("EXPLAIN QUERY PLAN " + q, args).fetchall())
t = time.time(); c.execute(q, args).fetchall(); print(f"sqlite scan: {1000 * (time.time() - t):.0f} ms")
PY
runuser -u postgres -- psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d suveren -c \
    "EXPLAIN ANALYZE SELECT id, trash FROM nodes WHERE drive = '$probe_drive' AND (path = '/x' OR (path >= '/x/' AND path < '/x0'))" \
    >>"$WORK/scan-probe" 2>&1 || true

du -sb "$WORK/embedded/meta.db" "$WORK/pg/data" "$WORK/garage/data" >"$WORK/sizes" 2>/dev/null || true
echo
"$BENCH" scale report --work "$WORK"
echo
echo "sizes (bytes):"
cat "$WORK/sizes"
echo
cat "$WORK/scan-probe"
