#!/usr/bin/env bash
# Round trip of a generated tree through a WebDAV server with rclone.
#
# Usage: tests/dav/rclone_sync.sh URL USER PASS
#
# Writes 2,000 files (seeded, see gen_tree.py; RCLONE_FILES changes the
# count), `rclone sync`s them up into URL/rclone-sync/ (RCLONE_DAV_DIR), syncs
# that folder down into an empty folder and requires the two trees to be
# byte-identical (sha256 manifests). Then syncs up again with nothing
# changed and requires that nothing is transferred or deleted. Prints the
# seconds taken up and down (for the benchmark; never a failure). Removes the
# remote folder when everything passed. Exits 1 on any failure.
set -euo pipefail

[ "$#" = 3 ] || { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
url=${1%/}/ user=$2 pass=$3
here=$(cd "$(dirname "$0")" && pwd)
files=${RCLONE_FILES:-2000}
dir=${RCLONE_DAV_DIR:-rclone-sync}
command -v rclone >/dev/null || { echo "rclone_sync.sh: rclone is missing (apt-get install rclone)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/rclone-sync.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The remote comes from the environment (no config file, the password not on
# a command line); vendor "other" is plain RFC 4918 without extensions.
: >"$work/rclone.conf"
export RCLONE_CONFIG="$work/rclone.conf"
export RCLONE_WEBDAV_URL="$url" RCLONE_WEBDAV_USER="$user" RCLONE_WEBDAV_VENDOR=other
RCLONE_WEBDAV_PASS=$(rclone obscure - <<<"$pass")
export RCLONE_WEBDAV_PASS
remote=":webdav:$dir"
# No whole-sync retries and few low-level ones: a failing server should show,
# and should not keep rclone backing off for many minutes. RCLONE_TIMEOUT
# (default 1800 s) bounds each rclone command.
rc() {
  timeout -k 10 "${RCLONE_TIMEOUT:-1800}" env -u AWS_CA_BUNDLE rclone --transfers 8 --checkers 8 \
    --retries 1 --low-level-retries 3 --contimeout 15s --timeout 120s "$@"
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
errors() { grep -E 'ERROR|NOTICE: .*(failed|error)' "$1" | head -20 || true; }

python3 "$here/gen_tree.py" "$work/src" "$files" | sed 's/^/tree: /'
manifest() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) >"$2"; }
manifest "$work/src" "$work/src.sha256"
bytes=$(du -sb "$work/src" | cut -f1)

# A fresh target: leftovers of an earlier failed run would be deleted by the
# sync, but they would count as transfers.
rc purge "$remote" >/dev/null 2>&1 || true

t0=$(now)
if rc sync "$work/src" "$remote" --log-file "$work/up.log" --log-level INFO; then
  ok "rclone sync up ($files files)"
else
  fail "rclone sync up exited non-zero"; errors "$work/up.log"
fi
t1=$(now)
mkdir "$work/down"
if rc sync "$remote" "$work/down" --log-file "$work/down.log" --log-level INFO; then
  ok "rclone sync down into an empty folder"
else
  fail "rclone sync down exited non-zero"; errors "$work/down.log"
fi
t2=$(now)

manifest "$work/down" "$work/down.sha256"
if cmp -s "$work/src.sha256" "$work/down.sha256"; then
  ok "down tree is byte-identical to the source ($(wc -l <"$work/src.sha256") files, sha256)"
else
  fail "down tree differs from the source (sha256 manifests, < source > down):"
  diff "$work/src.sha256" "$work/down.sha256" | head -20 || true
fi

again=0
rc sync "$work/src" "$remote" --log-file "$work/again.log" --log-level INFO || again=$?
t3=$(now)
copied=$(grep -c -E ': (Copied|Updated|Moved)' "$work/again.log" || true)
deleted=$(grep -c -E ': Deleted' "$work/again.log" || true)
if [ "$again" != 0 ]; then
  fail "second rclone sync up exited with $again"; errors "$work/again.log"
elif [ "$copied" = 0 ] && [ "$deleted" = 0 ]; then
  ok "second sync up with nothing changed transfers 0 files"
else
  fail "second sync up with nothing changed: $copied transferred, $deleted deleted:"
  grep -E ': (Copied|Updated|Moved|Deleted)' "$work/again.log" | head -10
fi

# rclone check compares names and sizes both ways (no hashes over WebDAV).
if rc check "$work/src" "$remote" --size-only --log-file "$work/check.log" --log-level NOTICE; then
  ok "rclone check: remote listing matches the source"
else
  fail "rclone check found differences:"; head -20 "$work/check.log"
fi

mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "timing: $files files, $mb MB: up $(secs "$t0" "$t1") s, down $(secs "$t1" "$t2") s, unchanged re-sync $(secs "$t2" "$t3") s (--transfers 8)"

if [ "$failures" = 0 ]; then
  rc purge "$remote" >/dev/null 2>&1 || echo "note: could not remove $url$dir"
  echo "rclone: all passed"
else
  echo "rclone: $failures failed (remote folder $url$dir left in place)"
  exit 1
fi
