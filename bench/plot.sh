#!/usr/bin/env bash
# plot.sh: turn a results folder's CSVs into what people read: acceptbench-report
# aggregates the repeats, each plots/*.gp draws a chart (PNG and SVG; a chart
# whose input the run lacks is skipped), and report.md gets the summary table, the
# charts and the environment.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/build.sh
. "$ROOT/bench/lib/build.sh"
job_name plot.sh

usage() {
  cat <<USAGE
Usage: $CMD [--bin BUILD_DIR] DIR
Redraw DIR's charts (PNG and SVG) and report.md from its CSVs, and print the
summary table.
USAGE
}

bin="" dir=""
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --bin) [[ $# -ge 2 ]] || usage_error "--bin needs a build directory"; bin=$2; shift 2 ;;
    -*) usage_error "plot: unknown option '$1' (see $CMD --help)" ;;
    *) [[ -z $dir ]] || usage_error "plot: one results folder only"; dir=$1; shift ;;
  esac
done
[[ -n $dir ]] || usage_error "plot: which results folder? (see $CMD --help)"
[[ -f $dir/summary.csv ]] || usage_error "plot: $dir has no summary.csv; give a folder that run wrote"
prepare_bin "$bin"

"$BIN/bench/acceptbench-report" aggregate "$dir" || die "step aggregate failed for $dir"
# One size for both formats; SVG's "dynamic" lets a browser scale it.
declare -A terminal=([png]="pngcairo size 1100,650" [svg]="svg size 1100,650 dynamic")
for gp in "$ROOT"/plots/*.gp; do
  name=$(basename "$gp" .gp)
  [[ $name == common ]] && continue
  # A chart whose input this run did not produce ("# needs: FILE" in its script:
  # syscalls_plot.csv without kernel counters) is skipped, not failed, and its
  # images from an earlier drawing go.
  absent=""
  while read -r need; do
    [[ -f $dir/$need ]] || absent+=" $need"
  done < <(sed -n 's/^# needs: //p' "$gp")
  if [[ -n $absent ]]; then
    rm -f "$dir/$name.png" "$dir/$name.svg"
    echo "$PROG: $name chart skipped: $dir has no$absent"
    continue
  fi
  for ext in png svg; do
    gnuplot -e "dir='$dir'; load '$ROOT/plots/common.gp'; set terminal ${terminal[$ext]} font 'sans,11'; set output '$dir/$name.$ext'" "$gp" ||
      die "step plot $name ($ext) failed (script $gp)"
  done
done
"$BIN/bench/acceptbench-report" markdown "$dir" || die "step report failed for $dir"
echo "charts and report: $dir"
