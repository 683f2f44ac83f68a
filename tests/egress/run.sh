#!/usr/bin/env bash
# "No data leaves": trust-model rule 7, issue 4 item 6.
#
# Runs the real binary in network namespaces under strace and fails if it
# tries to send anything anywhere it was not configured to:
#
#  1. offline: `suveren serve --demo` in a namespace with only loopback up (no
#     route out). scenario.py runs the demo against it from inside the same
#     namespace: sign-in with TOTP, directory search, REST and WebDAV uploads
#     and downloads, file search, shares and links, the lockbox flow.
#     Allowed: loopback, local (AF_UNIX) and kernel (netlink) sockets.
#  2. oidc: tenant nordvik signs in through tests/oidc/provider.mjs, which runs
#     in a second namespace at 10.77.0.1:9000, joined by a veth pair (the
#     server's side, 10.77.0.2/24, is its only route). Allowed in addition:
#     exactly 10.77.0.1:9000, which must be contacted. The issuer is named
#     http://localhost:9000 through a private /etc/hosts (mount namespace),
#     because the server accepts plain http only for a loopback issuer.
#  3. control (run between the two): the server configured with an issuer at
#     https://192.0.2.7 is asked to start a sign-in; the check must fail and
#     name 192.0.2.7:443, or the test fails.
#
# strace -f follows every thread and child of the server and records connect,
# sendto, sendmsg and sendmmsg (every way to name a destination), accept and
# accept4 (to prove it followed the server throughout) and io_uring_setup
# (which would bypass it). The same strace invocation first runs a canary
# (egress.py probe) that must be seen reaching four documentation addresses,
# then execs the server: a blind tracer fails the test. egress.py check prints
# every destination seen and decides.
#
# Needs root (namespaces, strace), unshare and mount (util-linux), ip
# (iproute2), strace, python3, node with tests/oidc/node_modules (npm ci).
# Missing tools skip the test with a message, or fail it when CI is set.
# EGRESS_BIN=path uses that binary instead of building the debug one.
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT=8080                  # fixed: each namespace is new, nothing else listens there
IDP=10.77.0.1 IDP_PORT=9000 SRV_SIDE=10.77.0.2

fail() { echo "egress: FAIL: $*" >&2; exit 1; }

# Starts `suveren serve --demo` after the canary, both under one strace, in
# the current namespace. Sets $server and $tracer.
start_traced() {
  local work=$1; shift
  strace -f -q --seccomp-bpf -e signal=none \
    -e trace=connect,sendto,sendmsg,sendmmsg,accept,accept4,io_uring_setup -o "$work/trace" -- \
    sh -c '"$1" tests/egress/egress.py probe "$2" && echo $$ >"$3" && shift 3 && exec "$@"' sh \
    "$EGRESS_PY" "$work/probe.pid" "$work/server.pid" \
    "$EGRESS_BIN" serve --demo --data "$work/data" --listen "127.0.0.1:$PORT" "$@" 2>"$work/server.log" &
  tracer=$!
  for _ in $(seq 1 150); do
    grep -q "^Suveren listening on" "$work/server.log" 2>/dev/null && break
    kill -0 "$tracer" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "^Suveren listening on" "$work/server.log" 2>/dev/null || { cat "$work/server.log" >&2; fail "server did not start"; }
  server=$(cat "$work/server.pid")
}

# Stops the server (strace records its exit) and checks the trace.
stop_and_check() {
  local work=$1; shift
  kill -TERM "$server" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$tracer" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server" 2>/dev/null || true # not stopped in 10 s: the check will say how it ended
  wait "$tracer" || true
  server_log_tail=$(tail -3 "$work/server.log")
  python3 tests/egress/egress.py check "$work/trace" --probe-file "$work/probe.pid" \
    --server-pid "$server" --min-accepts "$(cat "$work/count")" "$@" ||
    { echo "server log (last lines):"; echo "$server_log_tail"; return 1; }
}

if [ "${1:-}" = --in-namespace ]; then
  # Inner half: runs inside `unshare --net` (and --mount for oidc).
  mode=$2 work=$3
  server="" tracer="" idp=""
  trap 'kill $server $idp 2>/dev/null || true' EXIT
  ip link set lo up
  case $mode in
  offline)
    echo "== egress (offline): namespace with loopback only"
    ip -brief addr
    ip route | grep -q . && fail "the namespace has a route: $(ip route)"
    start_traced "$work"
    python3 tests/egress/scenario.py demo "http://127.0.0.1:$PORT" "$work/data" "$work/count"
    stop_and_check "$work" --no-name-lookups
    ;;
  control)
    # Negative control: a server configured with an issuer it may not reach
    # (a documentation address) must be caught when it tries, which proves
    # the trace follows the server's own worker threads, not only the canary.
    echo "== egress (control): a server that does reach out must be caught"
    printf 'suveren-test-secret' >"$work/client-secret" && chmod 600 "$work/client-secret"
    printf 'public_url = "http://127.0.0.1:%s"\n[oidc.nordvik]\nissuer = "https://192.0.2.7"\nclient_id = "suveren"\nclient_secret_file = "%s"\n' \
      "$PORT" "$work/client-secret" >"$work/suveren.toml"
    start_traced "$work" --config "$work/suveren.toml"
    python3 tests/egress/scenario.py control "http://127.0.0.1:$PORT" "$work/data" "$work/count"
    if stop_and_check "$work" --no-name-lookups >"$work/check.out" 2>&1; then
      cat "$work/check.out"; fail "the check passed although the server tried to reach 192.0.2.7:443"
    fi
    grep -E '^  pid [0-9]+ connect -> 192\.0\.2\.7:443: VIOLATION' "$work/check.out" &&
      grep -q '^egress: self-check ok' "$work/check.out" ||
      { cat "$work/check.out"; fail "the check failed, but not for the server's attempt on 192.0.2.7:443"; }
    echo "egress (control): caught, as it must be"
    ;;
  oidc)
    echo "== egress (oidc): provider at $IDP:$IDP_PORT in its own namespace, the only route"
    # The provider's namespace: it waits for its end of the veth pair.
    export EGRESS_LISTEN=$IDP EGRESS_ISSUER_HOST=localhost
    export REDIRECT_URI="http://127.0.0.1:$PORT/api/v1/auth/oidc/callback" OIDC_TEST_ACCOUNT=lars.laerer
    unshare --net -- sh -c '
      ip link set lo up
      i=0; until ip link show eg-idp >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 200 ] || exit 1; sleep 0.05; done
      ip addr add "$1/24" dev eg-idp && ip link set eg-idp up &&
      exec node --import ./tests/egress/provider_at.mjs tests/oidc/provider.mjs "$2"' sh "$IDP" "$IDP_PORT" \
      >"$work/provider.out" 2>"$work/provider.log" &
    idp=$!
    for _ in $(seq 1 100); do
      [ "$(readlink /proc/$idp/ns/net)" != "$(readlink /proc/$$/ns/net)" ] && break
      sleep 0.02
    done
    ip link add eg-srv type veth peer name eg-idp netns "$idp"
    ip addr add "$SRV_SIDE/24" dev eg-srv
    ip link set eg-srv up
    # The server and the scenario's browser resolve the issuer's name here.
    printf '%s localhost\n' "$IDP" >"$work/hosts"
    mount --bind "$work/hosts" /etc/hosts
    for _ in $(seq 1 150); do grep -q '^READY' "$work/provider.out" && break; sleep 0.1; done
    grep -q '^READY' "$work/provider.out" || { cat "$work/provider.log" >&2; fail "the OpenID provider did not start"; }
    ip -brief addr
    ip route
    printf 'suveren-test-secret' >"$work/client-secret" && chmod 600 "$work/client-secret"
    cat >"$work/suveren.toml" <<EOF
public_url = "http://127.0.0.1:$PORT"
[oidc.nordvik]
issuer = "http://localhost:$IDP_PORT"
client_id = "suveren"
client_secret_file = "$work/client-secret"
EOF
    start_traced "$work" --config "$work/suveren.toml"
    python3 tests/egress/scenario.py oidc "http://127.0.0.1:$PORT" "$work/data" "$work/count"
    stop_and_check "$work" --allow "$IDP:$IDP_PORT" --require "$IDP:$IDP_PORT"
    ;;
  *) fail "unknown mode $mode" ;;
  esac
  exit 0
fi

# Outer half: prerequisites, binary, then each part in fresh namespaces.
missing=""
for t in unshare mount ip strace python3 node; do command -v "$t" >/dev/null || missing="$missing $t"; done
[ -d tests/oidc/node_modules/oidc-provider ] || missing="$missing tests/oidc/node_modules(npm ci)"
if [ -z "$missing" ] && ! unshare --net --mount -- true 2>/dev/null; then
  missing="$missing network-namespaces(run as root)"
fi
if [ -n "$missing" ]; then
  if [ -n "${CI:-}" ]; then fail "cannot run the egress test in CI, missing:$missing"; fi
  echo "SKIPPED egress test: missing$missing (set CI=1 to make this a failure)"
  exit 0
fi
if [ -z "${EGRESS_BIN:-}" ]; then
  cargo build --locked -q -p suveren
  EGRESS_BIN="${CARGO_TARGET_DIR:-target}/debug/suveren"
fi
EGRESS_BIN=$(realpath "$EGRESS_BIN")
EGRESS_PY=$(python3 -c 'import sys; print(sys.executable)') # the interpreter itself, not a shim
export EGRESS_BIN EGRESS_PY
work=$(mktemp -d)
trap 'if [ $? = 0 ]; then rm -rf "$work"; else echo "egress: traces and logs kept in $work" >&2; fi' EXIT
start=$(date +%s)
mkdir "$work/offline" "$work/control" "$work/oidc"
unshare --net -- bash tests/egress/run.sh --in-namespace offline "$work/offline"
unshare --net -- bash tests/egress/run.sh --in-namespace control "$work/control"
unshare --net --mount -- bash tests/egress/run.sh --in-namespace oidc "$work/oidc"
echo "egress: all parts passed in $(($(date +%s) - start)) s"
