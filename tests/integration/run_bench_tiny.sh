#!/usr/bin/env bash
# Integration test of run_bench.sh: a tiny matrix (every strategy and io, 1 s,
# 1 repeat) into a temporary folder, using the programs of the build under test.
# Checks every CSV header against results/README.md, a summary row for every
# configuration, every chart as a valid PNG and SVG, and no server left running.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../testlib.sh"
build_dir_arg "$@"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(mktemp -d /tmp/acceptbench-rb-test.XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

timeout 120 "$root/run_bench.sh" run --bin "$bin" --duration 1s --warmup 0 --repeat 1 \
  --connections 8 --workers 2 --out "$out/r" >"$out/log" 2>&1 ||
  { cat "$out/log" >&2; fail "run_bench.sh run exited non-zero"; }
dir=$out/r

# No server may outlive the run: every one was started with this folder's ready file.
if pgrep -f -- "$dir/logs/ready" >/dev/null; then
  fail "a server is still running: $(pgrep -af -- "$dir/logs/ready")"
fi

# Every column of every CSV is documented in results/README.md as `name`.
for f in summary workers latency timeseries aggregate workers_agg latency_plot timeseries_plot; do
  [[ -s $dir/$f.csv ]] || fail "$f.csv is missing or empty"
  IFS=, read -r -a cols <"$dir/$f.csv"
  for c in "${cols[@]}"; do
    # aggregate.csv repeats each metric as NAME, NAME_min, NAME_max.
    base=${c%_min}
    base=${base%_max}
    grep -qF "\`$c\`" "$root/results/README.md" || grep -qF "\`$base\`" "$root/results/README.md" ||
      fail "$f.csv column '$c' is not documented in results/README.md"
  done
done

# One summary row per strategy/io, six in all, none partial, no errors.
rows=$(tail -n +2 "$dir/summary.csv" | wc -l)
[[ $rows -eq 6 ]] || fail "summary.csv has $rows rows, expected 6"
for s in pool shared reuseport; do
  for i in blocking epoll; do
    n=$(awk -F, -v s="$s" -v i="$i" 'NR == 1 { for (k = 1; k <= NF; k++) col[$k] = k; next }
          $col["strategy"] == s && $col["io"] == i && $col["partial"] == 0 &&
          $col["completed"] > 0 && $col["completed"] == $col["server_accepted"] { n++ }
          END { print n + 0 }' "$dir/summary.csv")
    [[ $n -eq 1 ]] || fail "summary.csv: no complete row for $s/$i with completed == server_accepted"
  done
done

for chart in workers latency throughput cpu fairness timeseries; do
  [[ $(head -c 8 "$dir/$chart.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
    fail "$chart.png is not a PNG"
  grep -q '<svg' "$dir/$chart.svg" || fail "$chart.svg is not an SVG"
  grep -q '</svg>' "$dir/$chart.svg" || fail "$chart.svg is cut short"
  grep -qF "($chart.png)" "$dir/report.md" || fail "report.md does not embed $chart.png"
done
grep -q '^| pool/blocking | 1 |' "$dir/report.md" || fail "report.md has no pool/blocking row"
grep -q '^kernel: ' "$dir/env.txt" || fail "env.txt lacks the kernel"
echo "run_bench.sh tiny matrix: 6 configurations, 8 CSVs, 12 charts: OK"
