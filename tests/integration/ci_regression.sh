#!/usr/bin/env bash
# Integration test of the regression job (run_bench.sh ci) on a small matrix, with
# a prebuilt base server (--base-server) instead of a worktree build:
#   - a baseline is recorded, then the same code passes (exit 0) both verdicts;
#   - a baseline that made one read() fewer per connection makes this run a count
#     regression (exit 1) naming server syscall:read;
#   - a head server that burns 300 us of CPU per request against the plain base is
#     a timing regression: exit 1, or 0 with --timing advisory (times only);
#   - a run missing a configuration of the baseline is a broken run (exit 2).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../testlib.sh"
build_dir_arg "$@"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d /tmp/acceptbench-ci-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
server=$bin/servers/acceptbench-server

# ci_run NAME EXPECTED_STATUS [options]: run the job into $tmp/NAME.
ci_run() {
  local name=$1 want=$2 rc=0
  shift 2
  timeout 300 "$root/run_bench.sh" ci --baseline "$tmp/baseline" --out "$tmp/$name" \
    --io epoll --strategies pool,shared "$@" >"$tmp/$name.log" 2>&1 || rc=$?
  [[ $rc -eq $want ]] || { cat "$tmp/$name.log" >&2; fail "$name: exit $rc, expected $want"; }
}

# section NAME TITLE: the lines of compare.md's section TITLE (Counts, Times (A/B)).
section() {
  awk -v t="## $2" '$0 == t { on = 1; next } /^## / { on = 0 } on' "$tmp/$1/compare.md"
}

ci_run base 0 --bin "$bin" --base none --update-baseline
for f in summary.csv kernel.csv env.txt; do
  [[ -s $tmp/baseline/$f ]] || fail "baseline $f not written"
done

ci_run same 0 --bin "$bin" --base-server "$server"
section same Counts | grep -q '^\*\*pass\*\*' || fail "same code: the counts do not pass"
section same 'Times (A/B)' | grep -q '^\*\*pass\*\*' || fail "same code: the times do not pass"

# One read() per connection fewer in the baseline: this run makes one more.
cp -r "$tmp/baseline" "$tmp/fewer"
awk -F, -v OFS=, '
  NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next }
  $c["side"] == "server" && $c["thread"] == "all" &&
  ($c["counter"] == "syscall:read" || $c["counter"] == "syscalls") {
    $c["per_conn"] = sprintf("%.6f", $c["per_conn"] - 1) }
  { print }' "$tmp/baseline/kernel.csv" >"$tmp/fewer/kernel.csv"
ci_run extra_read 1 --bin "$bin" --base none --baseline "$tmp/fewer"
section extra_read Counts | grep -E 'server.*syscall:read.*REGRESSION' >/dev/null ||
  fail "one more read per connection: no REGRESSION row naming server syscall:read"

# The head's server burns 300 us of CPU per request; the base is the plain server.
# Times only (--baseline none): a slower server changes the timing-bound counts too
# (the client's epoll_wait per connection), which is not what this checks.
mkdir -p "$tmp/slowbin/servers"
ln -s "$bin/clients" "$bin/bench" "$tmp/slowbin/"
printf '#!/bin/sh\nexec %q "$@" --work-us 300\n' "$server" >"$tmp/slowbin/servers/acceptbench-server"
chmod +x "$tmp/slowbin/servers/acceptbench-server"
ci_run slow 1 --bin "$tmp/slowbin" --base-server "$server" --baseline none
section slow 'Times (A/B)' | grep -q 'REGRESSION' || fail "300 us per request: no timing REGRESSION"
ci_run slow_advisory 0 --bin "$tmp/slowbin" --base-server "$server" --baseline none \
  --timing advisory

ci_run missing 2 --bin "$bin" --base none --strategies pool
section missing Counts | grep -q 'MISSING' || fail "missing configuration: no MISSING row"
echo "run_bench.sh ci: pass on the same code; exit 1 on a read more per connection and on 300 us per request (0 when advisory); exit 2 on a missing configuration: OK"
