#!/usr/bin/env bash
# Integration test of the regression job (run_bench.sh ci) on a small matrix:
# a baseline, then the same code passes (exit 0), a server made slower on one
# strategy fails (exit 1) naming it, and a run missing a configuration of the
# baseline is a broken run (exit 2).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../testlib.sh"
build_dir_arg "$@"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d /tmp/acceptbench-ci-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# ci_run NAME EXPECTED_STATUS [options]: run the job into $tmp/NAME.
ci_run() {
  local name=$1 want=$2 rc=0
  shift 2
  timeout 120 "$root/run_bench.sh" ci --bin "$bin" --baseline "$tmp/baseline" \
    --out "$tmp/$name" --io epoll --duration 500ms --warmup 200ms "$@" >"$tmp/$name.log" 2>&1 || rc=$?
  [[ $rc -eq $want ]] || { cat "$tmp/$name.log" >&2; fail "$name: exit $rc, expected $want"; }
}

ci_run base 0 --strategies pool,reuseport --update-baseline
[[ -s $tmp/baseline/summary.csv && -s $tmp/baseline/env.txt ]] || fail "baseline not written"

ci_run same 0 --strategies pool,reuseport
grep -q '^\*\*pass\*\*: 0 regression(s), 0 missing' "$tmp/same/compare.md" ||
  fail "same code: compare.md does not say pass"

# 2 ms of CPU per request on pool's 2 workers caps it near 1,000 conn/s.
ci_run slow 1 --strategies pool,reuseport --work-us pool=2000
grep -q '^| pool/epoll | conn_per_s_rel | .* | REGRESSION |$' "$tmp/slow/compare.md" ||
  fail "slowed pool: compare.md has no conn_per_s_rel regression for pool/epoll"
if grep -q '^| reuseport/epoll | conn_per_s | .* | REGRESSION |$' "$tmp/slow/compare.md"; then
  fail "slowed pool: reuseport's absolute throughput was blamed too"
fi

ci_run missing 2 --strategies pool
grep -q '^| reuseport/epoll | conn_per_s_rel | .* | MISSING |$' "$tmp/missing/compare.md" ||
  fail "missing configuration: compare.md does not mark reuseport/epoll MISSING"
echo "run_bench.sh ci: pass on the same code, exit 1 on a slowed strategy, exit 2 on a missing one: OK"
