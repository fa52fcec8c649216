#!/usr/bin/env bash
# ci.sh: the regression job. A short matrix of every strategy x io this build has
# (matrix.sh), compared with a stored baseline by acceptbench-report compare: a
# change counts only beyond its threshold and beyond the noise of the repeats.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
job_name ci.sh

usage() {
  cat <<USAGE
Usage: $CMD [options] [run options]
The regression job: every strategy x io, 2 workers, 32 connections, 5 interleaved
repeats of 1 s on loopback (--net veth: two namespaces), compared with the
baseline by acceptbench-report compare using the thresholds in bench/thresholds.csv. Writes compare.md in the results folder.
Exit status: 0 pass, 1 regression, 2 broken run or no matching baseline.
  --update-baseline   after comparing (when a baseline exists), make this run the baseline
  --baseline DIR      baseline folder (default bench/baseline)
  --thresholds FILE   per-metric thresholds (default bench/thresholds.csv)
  run options         as for the matrix (bench/matrix.sh --help; e.g. --repeat 7,
                      --bin DIR), overriding the defaults
USAGE
}

update=no baseline="$ROOT/bench/baseline" thresholds="$ROOT/bench/thresholds.csv"
label=ci out="" bin=""
pass=()
# --out, --label and --bin are the matrix's too; the job needs to know them.
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --update-baseline) update=yes; shift ;;
    --baseline|--thresholds|--out|--label|--bin)
      [[ $# -ge 2 ]] || usage_error "$1 needs a value (see $CMD --help)"
      case $1 in
        --baseline) baseline=$2 ;;
        --thresholds) thresholds=$2 ;;
        --out) out=$2 ;;
        --label) label=$2 ;;
        --bin) bin=$2; pass+=(--bin "$2") ;;
      esac
      shift 2 ;;
    *) pass+=("$1"); shift ;;
  esac
done
[[ -f $thresholds ]] || usage_error "--thresholds: no file '$thresholds'"
if [[ $update == no && ! -f $baseline/summary.csv ]]; then
  echo "$PROG: no baseline in $baseline; record one with $CMD --update-baseline" >&2
  exit 2
fi
dir=${out:-$(results_dir "$label")}
# The matrix's messages name it as the user would call it ("./run_bench.sh run").
# Loopback unless asked (--net veth): the committed baseline was recorded there.
ACCEPTBENCH_CMD=${ACCEPTBENCH_CMD:+${CMD% *} run} "$ROOT/bench/matrix.sh" --strategies all --io all --workers 2 \
  --connections 32 --duration 1s --warmup 500ms --repeat 5 --net loopback --label "$label" \
  "${pass[@]}" --out "$dir"
status=0
if [[ -f $baseline/summary.csv ]]; then
  "${bin:-$ROOT/build}/bench/acceptbench-report" compare "$baseline" "$dir" "$thresholds" || status=$?
  echo "comparison: $dir/compare.md"
fi
if [[ $update == yes ]]; then
  mkdir -p "$baseline" || die "cannot create $baseline"
  for f in summary.csv env.txt; do
    cp "$dir/$f" "$baseline/$f.tmp.$$" || die "cannot write $baseline/$f.tmp.$$"
    mv "$baseline/$f.tmp.$$" "$baseline/$f" || die "cannot replace $baseline/$f"
  done
  echo "baseline updated from $dir (the table above shows what changed)"
  exit 0
fi
exit "$status"
