#!/usr/bin/env bash
# run_bench.sh: the front door. Each command is a script under bench/ that does one
# job and has its own --help; this file only picks it, so that the README's
# commands (./run_bench.sh, ./run_bench.sh test) stay what they are.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
  cat <<USAGE
Usage: ./run_bench.sh [COMMAND] [options]

Commands:
  run       (default) build, run the comparison matrix, draw the charts, write report.md
  test      install missing packages (as root), build, run the whole CTest suite
  plot DIR  redraw the charts and report.md of an existing results folder
  ci        the regression job: a short matrix of every strategy x io compared with bench/baseline/
  scenario NAME|all   a question of docs/findings.md: its fixed design, charts and section
  build     install missing packages (as root) and build into build/
  help      this text

Run './run_bench.sh COMMAND --help' for a command's options.
USAGE
}

cmd=run
if [[ $# -gt 0 && $1 != -* ]]; then
  cmd=$1
  shift
fi
case $cmd in
  run) script=matrix.sh ;;
  test) script=test.sh ;;
  plot) script=plot.sh ;;
  ci) script=ci.sh ;;
  scenario) script=scenario.sh ;;
  build) script=build.sh ;;
  help) usage; exit 0 ;;
  *) echo "run_bench.sh: unknown command '$cmd' (see ./run_bench.sh --help)" >&2; exit 2 ;;
esac
# The scripts name themselves after this in their usage and messages.
ACCEPTBENCH_CMD="./run_bench.sh $cmd" exec "$ROOT/bench/$script" "$@"
