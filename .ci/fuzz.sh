#!/usr/bin/env bash
# Short fuzz run of every request decoder (fuzz/README.md): builds the
# cargo-fuzz targets on stable Rust (no sanitizer: `-s none`), then runs each
# one for FUZZ_SECONDS seconds, starting from a temporary copy of its
# committed corpus (fuzz/corpus/TARGET), so the run never changes the repo.
# Exits non-zero if any target crashes, times out or runs out of memory; the
# crashing input is kept in fuzz/artifacts/ and printed (base64) in the log.
#
# Environment:
#   FUZZ_SECONDS   seconds per target (default 12)
#   FUZZ_TARGETS   space-separated targets (default: all in fuzz/fuzz_targets)
#   FUZZ_RSS_MB    libFuzzer -rss_limit_mb (default 2048)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

CARGO_FUZZ_VERSION=0.13.2
SECONDS_PER_TARGET=${FUZZ_SECONDS:-12}
RSS_MB=${FUZZ_RSS_MB:-2048}
start=$(date +%s)

echo "== cargo-fuzz"
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  cargo install --locked "cargo-fuzz@$CARGO_FUZZ_VERSION" -q
fi
cargo fuzz --version
rustc --version

echo "== Build (stable, no sanitizer, debug assertions on)"
# The fuzz crate has its own lockfile; refuse to run with one that is stale.
cargo metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null
build_start=$(date +%s)
(cd fuzz && cargo fuzz build -s none)
build_s=$(( $(date +%s) - build_start ))
echo "build took ${build_s} s"

triple=$(rustc -vV | sed -n 's/^host: //p')
bindir="fuzz/target/$triple/release"
targets=${FUZZ_TARGETS:-$(cd fuzz && cargo fuzz list)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The targets' scratch folders (demo installation, files) go here too.
export SUVEREN_FUZZ_TMP="$work/tmp"
mkdir -p "$SUVEREN_FUZZ_TMP"
mkdir -p fuzz/artifacts

echo "== Run (${SECONDS_PER_TARGET} s per target)"
failed=()
summary=()
run_start=$(date +%s)
for t in $targets; do
  mkdir -p "$work/corpus/$t" fuzz/artifacts/"$t"
  if [ -d "fuzz/corpus/$t" ]; then
    cp -R "fuzz/corpus/$t/." "$work/corpus/$t/"
  fi
  seeds=$(find "$work/corpus/$t" -type f | wc -l)
  log="$work/$t.log"
  echo "-- $t ($seeds seeds)"
  set +e
  "$bindir/$t" "$work/corpus/$t" \
    -max_total_time="$SECONDS_PER_TARGET" \
    -rss_limit_mb="$RSS_MB" \
    -timeout=30 \
    -print_final_stats=1 \
    -artifact_prefix="fuzz/artifacts/$t/" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    echo "!! $t failed (exit $rc); the end of its log:"
    tail -n 60 "$log"
    for a in fuzz/artifacts/"$t"/*; do
      [ -f "$a" ] || continue
      echo "!! input $a (base64):"
      base64 -w 0 "$a"; echo
    done
  fi
  summary+=("$t: ${execs:-?} runs, ${speed:-?} exec/s, exit $rc")
done
run_s=$(( $(date +%s) - run_start ))

echo "== Summary"
printf '%s\n' "${summary[@]}"
echo "build ${build_s} s, run ${run_s} s, total $(( $(date +%s) - start )) s"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzzing found problems in: ${failed[*]} (inputs in fuzz/artifacts/)"
  exit 1
fi
echo "fuzz: ${#summary[@]} passed, 0 failed"
