#!/usr/bin/env bash
# ci.sh: the regression job, in two parts that survive a change of machine.
# Counts (system calls by name, context switches, errors) are the same on any
# machine with this kernel: they are compared with the stored baseline. Times are
# not: they are compared only with a base revision built and run here, in this
# job, its runs interleaved with this tree's (A/B), order swapped every round.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
job_name ci.sh

usage() {
  cat <<USAGE
Usage: $CMD [options] [run options]
The regression job over every strategy x io this machine runs, 2 workers, 32
connections, on loopback, server and client on all CPUs (unpinned: reuseport-cpu
pins its workers to CPUs 0..1 itself):
  counts  3 runs of 300 ms each with kernel counters: their medians against the
          baseline's (the calls that depend on timing move less in a median)
  times   --rounds A/B rounds of 200 ms per configuration: this tree's server and
          the base revision's, alternating, order swapped every round; conn/s,
          server CPU per connection and p99 as head/base ratios
Writes compare.md (both tables) in the results folder.
Exit status: 0 pass, 1 regression, 2 broken run or no baseline to match.
  --base REF          the revision to time against, built in its own git worktree
                      (default: the baseline's git_revision in its env.txt); none:
                      counts only
  --base-server PATH  time against this server binary instead of building --base
                      (another build of any revision)
  --rounds N          A/B rounds (default 4: the fewest whose exact U test can reach
                      p < 0.05, at 1/70)
  --timing blocking|advisory
                      whether a timing regression fails the job (exit 1) or is only
                      printed (default blocking; .ci/run uses advisory)
  --update-baseline   after comparing, make this run's counts the baseline
  --baseline DIR      baseline folder (default bench/baseline); none: times only
                      (counts from another kernel do not apply)
  --thresholds FILE   per-metric thresholds (default bench/thresholds.csv)
  run options         as for the matrix (bench/matrix.sh --help; e.g. --strategies
                      pool,shared, --bin DIR), overriding the defaults
USAGE
}

update=no baseline="$ROOT/bench/baseline" thresholds="$ROOT/bench/thresholds.csv"
label=ci out="" bin="" base=default rounds=4 timing=blocking base_server=""
pass=()
# --out, --label and --bin are the matrix's too; the job needs to know them.
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --update-baseline) update=yes; shift ;;
    --baseline|--thresholds|--out|--label|--bin|--base|--base-server|--rounds|--timing)
      [[ $# -ge 2 ]] || usage_error "$1 needs a value (see $CMD --help)"
      case $1 in
        --baseline) baseline=$2 ;;
        --thresholds) thresholds=$2 ;;
        --out) out=$2 ;;
        --label) label=$2 ;;
        --bin) bin=$2; pass+=(--bin "$2") ;;
        --base) base=$2 ;;
        --base-server) [[ -x $2 ]] || usage_error "--base-server: '$2' is not an executable"
                       base_server=$2 ;;
        --rounds) [[ $2 =~ ^[1-9][0-9]?$ && $2 -le 64 ]] || usage_error "--rounds: '$2' is not 1..64"
                  rounds=$2 ;;
        --timing) [[ $2 == blocking || $2 == advisory ]] ||
                    usage_error "--timing: '$2' (use blocking or advisory)"
                  timing=$2 ;;
      esac
      shift 2 ;;
    *) pass+=("$1"); shift ;;
  esac
done
[[ -f $thresholds ]] || usage_error "--thresholds: no file '$thresholds'"
[[ $baseline != none || $update == no ]] || usage_error "--update-baseline needs a --baseline folder, not none"
if [[ $baseline != none && $update == no && ! -f $baseline/summary.csv ]]; then
  echo "$PROG: no baseline in $baseline; record one with $CMD --update-baseline" >&2
  exit 2
fi
if [[ $base == default ]]; then
  base=$(awk -F': ' '$1 == "git_revision" { split($2, r, " "); print r[1] }' \
           "$baseline/env.txt" 2>/dev/null || true)
  [[ -n $base && $base != none ]] || base=none
fi
dir=${out:-$(results_dir "$label")}
mkdir -p "$dir" || die "cannot create $dir"
report="${bin:-$ROOT/build}/bench/acceptbench-report"
# The matrix's messages name it as the user would call it ("./run_bench.sh run").
matrix() {
  ACCEPTBENCH_CMD=${ACCEPTBENCH_CMD:+${CMD% *} run} "$ROOT/bench/matrix.sh" \
    --strategies all --io all --workers 2 --connections 32 --net loopback --no-pin \
    --label "$label" \
    "$@" "${pass[@]}"
}

# The base revision's server, built in a work tree of its own. Anything that stops
# it (an unknown revision, a shallow clone, a build that fails) is one line, and
# the job judges the counts alone.
work=$(mktemp -d /tmp/acceptbench-ci.XXXXXX)
# shellcheck disable=SC2317  # run by the traps
cleanup() {
  [[ ! -d $work/src ]] || git -C "$ROOT" worktree remove --force "$work/src" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
base_why=""
if [[ -n $base_server ]]; then
  base="server $base_server"
elif [[ $base == none ]]; then
  base_why="no base revision (--base none, or the baseline records none)"
elif ! rev=$(git -C "$ROOT" rev-parse --verify --quiet "$base^{commit}"); then
  base_why="revision '$base' is not in this clone (a shallow checkout? fetch it, or give --base)"
elif ! git -C "$ROOT" worktree add --detach "$work/src" "$rev" >"$work/base.log" 2>&1; then
  base_why="git worktree add $base failed: $(tail -n 1 "$work/base.log")"
elif ! { cmake -S "$work/src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release &&
         cmake --build "$work/build" --target acceptbench-server -j "$(nproc)"; } >>"$work/base.log" 2>&1; then
  base_why="the base $base does not build here: $(grep -m 1 -iE 'error' "$work/base.log" || tail -n 1 "$work/base.log")"
else
  base_server=$work/build/servers/acceptbench-server
  echo "$PROG: base $base built in $work/build"
  base="$base, built here"
fi

# 1. Counts, this tree only, against the stored baseline.
SECONDS=0
counts_rc=0
if [[ $baseline != none ]]; then
  matrix --duration 300ms --warmup 100ms --repeat 3 --out "$dir/counts"
  if [[ -f $baseline/summary.csv ]]; then
    "$report" counts "$baseline" "$dir/counts" "$thresholds" >/dev/null || counts_rc=$?
  fi
fi
counts_s=$SECONDS

# 2. Times, A/B against the base revision in this job.
ab_rc=none
SECONDS=0
if [[ -n $base_server ]]; then
  matrix --duration 200ms --warmup 100ms --repeat "$rounds" --no-kernel-counters --no-plot \
    --out "$dir/head" --base-server "$base_server" --base-out "$dir/base"
  if [[ ! -f $dir/base/summary.csv ]]; then
    base_why="the base $base ran none of the configurations (see $dir/base/skipped.txt)"
  else
    ab_rc=0
    "$report" ab "$dir/base" "$dir/head" "$thresholds" >/dev/null || ab_rc=$?
  fi
fi
ab_s=$SECONDS

# compare.md: both tables, each with its verdicts, and how the job was run.
{
  echo "# acceptbench regression check"
  echo
  if [[ $baseline == none ]]; then
    echo "Counts: not compared (--baseline none)."
  else
    echo "Counts: $dir/counts against the baseline \`$baseline\` ($counts_s s)."
  fi
  if [[ $ab_rc == none ]]; then
    echo "Times: not compared: $base_why; the counts alone are judged."
  else
    echo "Times: $rounds A/B rounds against the base ($base; $ab_s s); timing verdicts are $timing."
  fi
  echo
  echo "## Counts"
  echo
  if [[ -f $dir/counts/compare-counts.md ]]; then cat "$dir/counts/compare-counts.md"
  elif [[ $baseline == none ]]; then echo "Not compared: --baseline none."
  else echo "No baseline: nothing compared."; fi
  echo
  echo "## Times (A/B)"
  echo
  if [[ $ab_rc != none ]]; then cat "$dir/head/compare-ab.md"; else echo "Not compared: $base_why."; fi
} >"$dir/compare.md.tmp.$$" || die "cannot write $dir/compare.md.tmp.$$"
mv "$dir/compare.md.tmp.$$" "$dir/compare.md" || die "cannot write $dir/compare.md"
cat "$dir/compare.md"
echo "comparison: $dir/compare.md"

if [[ $update == yes ]]; then
  mkdir -p "$baseline" || die "cannot create $baseline"
  for f in summary.csv kernel.csv env.txt; do
    if [[ $f == kernel.csv ]]; then
      # The comparison reads each side's totals (thread "all"): the per-thread and
      # namespace rows stay in the run's folder.
      awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "thread") t = i }
               NR == 1 || $t == "all"' "$dir/counts/$f" >"$baseline/$f.tmp.$$"
    else
      cp "$dir/counts/$f" "$baseline/$f.tmp.$$"
    fi || die "cannot write $baseline/$f.tmp.$$"
    mv "$baseline/$f.tmp.$$" "$baseline/$f" || die "cannot replace $baseline/$f"
  done
  echo "baseline updated from $dir/counts (the table above shows what changed)"
  exit 0
fi
# The worst verdict: a broken run, then a count regression, then (when blocking) a
# timing one.
[[ $counts_rc -ne 2 && $ab_rc != 2 ]] || exit 2
[[ $counts_rc -eq 0 ]] || exit 1
if [[ $ab_rc == 1 ]]; then
  [[ $timing == advisory ]] || exit 1
  echo "$PROG: timing regression reported (advisory: not failing the job)"
fi
exit 0
