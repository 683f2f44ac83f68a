#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store's tests.
#
#   scripts/pg.sh start DIR PORT   # initdb into DIR (if new), start, print the export line
#   scripts/pg.sh stop DIR
#
# Then: export SUVEREN_TEST_PG=postgres://postgres@127.0.0.1:PORT/postgres
# and `cargo test -p suveren-store` runs the conformance suite on PostgreSQL
# too (each test creates its own database on that server).
#
# The server trusts every local connection (-A trust), so it listens on
# 127.0.0.1 only and keeps its socket inside DIR; fsync stays on so the
# tests see the durability a real installation has. PostgreSQL 15 from
# Debian is installed with apt-get when missing. Run as root, the server
# runs as the `postgres` user (initdb refuses root).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

usage() {
    echo "usage: $0 start DIR PORT | stop DIR" >&2
    exit 2
}

# Runs a command as the user owning the server.
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        if command -v runuser >/dev/null; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

install_pg() {
    if [ -x "$PGBIN/initdb" ]; then
        return
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "PostgreSQL 15 is not installed ($PGBIN/initdb missing); run as root or: apt-get install -y postgresql" >&2
        exit 1
    fi
    echo "installing PostgreSQL (apt-get install -y postgresql)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q postgresql >&2
    # Debian's package starts a cluster of its own on port 5432; ours is separate.
    if [ ! -x "$PGBIN/initdb" ]; then
        echo "apt-get installed PostgreSQL, but not in $PGBIN; set PGBIN" >&2
        exit 1
    fi
}

cmd=${1:-}
case "$cmd" in
start)
    [ $# -eq 3 ] || usage
    dir=$2
    port=$3
    install_pg
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$dir"
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if as_pg "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        echo "already running in $dir" >&2
    else
        as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=200" start >&2 ||
            { tail -n 30 "$dir/server.log" >&2; exit 1; }
    fi
    echo "export SUVEREN_TEST_PG=postgres://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    [ $# -eq 2 ] || usage
    dir=$2
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >&2
    ;;
*)
    usage
    ;;
esac
