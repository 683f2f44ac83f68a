#!/usr/bin/env bash
# Runs the litmus WebDAV test suites (basic, copymove, props, locks, http)
# against URL and compares the passed counts with the committed baseline.
#
# Usage: tests/dav/litmus.sh [--write-baseline] URL USER PASS
#
# URL is a writable collection (litmus creates and removes URL/litmus/).
# Exits 1 when a suite passed fewer tests than its baseline line, or when a
# suite of the baseline did not report (crashed, hung past LITMUS_TIMEOUT
# seconds, default 300). --write-baseline or LITMUS_WRITE_BASELINE=1
# rewrites the baseline with this run's numbers instead of comparing.
# LITMUS_BASELINE overrides the baseline file; LITMUS_VERBOSE=1 prints every
# test line (otherwise only failures and warnings); TESTS picks suites.
#
# Baseline format (tests/dav/litmus-baseline.txt): one line per suite,
# "suite passed run"; '#' starts a comment. litmus stops a suite early after
# some failures, so "run" varies with the server; only "passed" is compared.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
write=${LITMUS_WRITE_BASELINE:-0}
if [ "${1:-}" = --write-baseline ]; then write=1; shift; fi
[ "$#" = 3 ] || { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
url=$1 user=$2 pass=$3
baseline=${LITMUS_BASELINE:-$here/litmus-baseline.txt}
suites=${TESTS:-basic copymove props locks http}
limit=${LITMUS_TIMEOUT:-300}
command -v litmus >/dev/null || { echo "litmus.sh: litmus is missing (apt-get install litmus)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/litmus.XXXXXX")
trap 'rm -rf "$work"' EXIT

declare -A passed run warned
for s in $suites; do
  mkdir -p "$work/$s"
  # Each suite in its own folder so each keeps its own debug.log.
  (cd "$work/$s" && TESTS=$s timeout -k 10 "$limit" litmus -k "$url" "$user" "$pass") >"$work/$s/out.raw" 2>&1 || true
  # litmus redraws each line with "\r"; keep what follows the last one.
  sed 's/.*\r//' "$work/$s/out.raw" >"$work/$s/out"
  line=$(grep -E "^<- summary for \`$s': of [0-9]+ tests run: [0-9]+ passed, [0-9]+ failed" "$work/$s/out" | tail -1 || true)
  if [ -n "$line" ]; then
    run[$s]=$(sed -E 's/.* of ([0-9]+) tests run: ([0-9]+) passed.*/\1/' <<<"$line")
    passed[$s]=$(sed -E 's/.* of ([0-9]+) tests run: ([0-9]+) passed.*/\2/' <<<"$line")
  fi
  warned[$s]=$(sed -nE 's/^-> ([0-9]+) warnings? (was|were) issued.*/\1/p' "$work/$s/out" | tail -1)
  if [ "${LITMUS_VERBOSE:-0}" = 1 ]; then
    cat "$work/$s/out"
  else
    # Failures (with their continuation lines), warnings, skips, summary.
    awk '/^ *[0-9]+\. .* (FAIL|SKIPPED)/ {p=1; print; next}
         /^ *[0-9]+\. / {p=0}
         /WARNING|^<- summary|^-> / {p=0; print; next}
         p {print}' "$work/$s/out"
  fi
  [ -n "$line" ] || { echo "-> $s: no summary line (crashed or timed out after ${limit}s); last output:"; tail -5 "$work/$s/out"; }
done

if [ "$write" = 1 ]; then
  {
    echo "# litmus baseline: suite passed run (written by tests/dav/litmus.sh --write-baseline)"
    for s in $suites; do echo "$s ${passed[$s]:-0} ${run[$s]:-0}"; done
  } >"$baseline"
  echo "baseline written to $baseline:"
  grep -v '^#' "$baseline"
  exit 0
fi

[ -f "$baseline" ] || { echo "litmus.sh: no baseline $baseline (run with --write-baseline)" >&2; exit 2; }
declare -A want_p want_r
order=()
while read -r s p r _; do
  case "$s" in ''|'#'*) continue ;; esac
  want_p[$s]=$p want_r[$s]=$r
  order+=("$s")
done <"$baseline"
for s in $suites; do [ -n "${want_p[$s]:-}" ] || order+=("$s"); done

status=0
total_p=0 total_r=0
printf '\n%-10s %13s %13s %8s  %s\n' suite passed/run baseline warnings result
for s in "${order[@]}"; do
  p=${passed[$s]:-} r=${run[$s]:-} bp=${want_p[$s]:-} br=${want_r[$s]:-}
  if [ -z "$p" ]; then
    result="REGRESSION: suite did not report"
    status=1
    [ -d "$work/$s" ] || result="REGRESSION: suite not run (TESTS=$suites)"
  elif [ -z "$bp" ]; then
    result="new suite (not in baseline)"
  elif [ "$p" -lt "$bp" ]; then
    result="REGRESSION: $((bp - p)) fewer passed"
    status=1
  elif [ "$p" -gt "$bp" ]; then
    result="better by $((p - bp)) (update the baseline: --write-baseline)"
  else
    result="ok"
  fi
  total_p=$((total_p + ${p:-0})) total_r=$((total_r + ${r:-0}))
  printf '%-10s %13s %13s %8s  %s\n' "$s" "${p:--}/${r:--}" "${bp:--}/${br:--}" "${warned[$s]:-0}" "$result"
done
printf '%-10s %13s\n' total "$total_p/$total_r"
echo "(warnings are printed above and not compared; a warning is a test passed with a remark)"

if [ "$status" != 0 ]; then
  # For each regressed suite: the debug.log section of its first failing
  # tests (LITMUS_LOG_TESTS, default 3; LITMUS_LOG_LINES lines each,
  # default 80), or the log's tail when no test says FAIL.
  for s in "${order[@]}"; do
    p=${passed[$s]:-} bp=${want_p[$s]:-0}
    log="$work/$s/debug.log"
    [ -f "$log" ] && { [ -z "$p" ] || [ "$p" -lt "$bp" ]; } || continue
    failing=$(sed -nE 's/^ *([0-9]+)\. ([A-Za-z0-9_]+)\.* .*FAIL.*/\1 \2/p' "$work/$s/out" | head -n "${LITMUS_LOG_TESTS:-3}")
    if [ -z "$failing" ]; then
      echo; echo "== $s: tail of debug.log"
      tail -n "${LITMUS_LOG_LINES:-80}" "$log"
      continue
    fi
    while read -r n name; do
      echo; echo "== $s: debug.log of test $n ($name)"
      awk -v n="$n" '/^\*\*\*\*\*\*\* Running test / {on = ($4 == n":")} on' "$log" | head -n "${LITMUS_LOG_LINES:-80}"
    done <<<"$failing"
  done
  echo
  echo "litmus: REGRESSION against $baseline"
fi
exit "$status"
