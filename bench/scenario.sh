#!/usr/bin/env bash
# scenario.sh: the findings' experiments (docs/findings.md), one command per question.
# `./run_bench.sh scenario NAME` runs one scenario's fixed design into its own results
# folder, draws its charts (PNG and SVG) and writes section.md, the Markdown that
# docs/findings.md shows for it (--findings puts it there); `scenario all` runs every
# scenario in turn; `scenario --help` lists them, read from the files themselves.
#
# A scenario is one file, bench/scenarios/NAME.sh: a new one is that file and nothing
# else. This script reads its header without running it, then sources it. It holds:
#
#   Header lines, at the top (read by --help and `all` without sourcing):
#     # scenario: ONE LINE     what it asks; --help prints it           (required)
#     # order: N               its place in `all` and in --help (small first) (required)
#     # needs: WORD...         what it cannot run without: root, netns (root and ip:
#                              network namespaces), perf (syscall tracepoints, as
#                              bench/lib/kcount.sh checks). Unmet, the scenario says
#                              which and why in one line and exits 3    (optional)
#     # takes: TEXT            how long, full and --quick (--help prints it) (optional)
#
#   Functions (run with `set -euo pipefail`, in this script's shell):
#     scenario_run        measure: its fixed design, everything into $SC_DIR. Full, or
#                         tiny when SC_QUICK=1 (CTest's seconds-long version: same
#                         design, fewer and shorter runs, figures not for quoting)
#     scenario_tables     derive its CSVs from what scenario_run measured (optional; run
#                         after it, and again by --redraw, so a change to it needs no rerun)
#     scenario_chart      draw its charts with sc_chart or sc_chart_file  (optional)
#     scenario_markdown   print its figures as Markdown: tables and sentences derived
#                         from the data, no figure typed in by hand. The framework puts
#                         the run's table (date, kernel, CPUs, topology, build) and the
#                         charts above it
#
#   What a scenario reads: SC_NAME, SC_DIR (its results folder), SC_QUICK (0 or 1),
#   SC_NET (veth or loopback: the topology, decided once), SC_SERVER_CPUS and
#   SC_CLIENT_CPUS (the two halves of the machine, as run_bench.sh pins them; empty on
#   one CPU), BIN, server_bin, load_bin, ROOT, and SC_AWK (awk functions: hdr(), to
#   index a CSV header as h["name"]; median(a, n); fmt(x)). What it calls:
#     sc_say TEXT                 a progress line
#     sc_note KEY VALUE           a line of scenario.txt (the run's table shows topology:,
#                                 and pinning: in place of the default CPU halves)
#     sc_matrix SUB ARGS...       bench/matrix.sh ARGS on this topology into $SC_DIR/SUB
#                                 (its CSVs, charts and report.md), bounded; sets the
#                                 topology note from its env.txt
#     sc_hosts_up                 the topology for a scenario that starts its own servers:
#                                 veth (bench/lib/net.sh), or loopback in one network
#                                 namespace of its own; sets SC_ADDR and the command
#                                 prefixes SC_SRUN and SC_CRUN (arrays)
#     sc_server_start LOG OPT...  acceptbench-server OPT in the server's namespace on its
#                                 CPUs, port 0; sets SC_PORT and SC_SPID
#     sc_server_stop              stop it (bounded; also done at any exit)
#     sc_load LABEL OPT...        acceptbench-load OPT against it from the client side,
#                                 rows into $SC_DIR/load with --label LABEL, TCP counters
#                                 of both namespaces (--kernel-counters --server-pid)
#     sc_wait LOG CMD...          any other command the scenario runs for long: in the
#                                 background, waited for, so that Ctrl-C stops it at once
#     sc_child_status WHAT RC     after running a script of its own: exit 130 if it was
#                                 interrupted, fail if it failed
#     sc_tcp server|client NAME...  that side's namespace's TcpExt or Tcp counters NAME
#                                 (ListenOverflows, TCPSynRetrans), now, on one line
#     sc_chart NAME ALT           a gnuplot script on stdin drawn into $SC_DIR/NAME.png and
#                                 .svg with plots/common.gp's look; NAME is SC_NAME or
#                                 SC_NAME-SUFFIX; ALT is its Markdown text
#     sc_chart_file FILE NAME ALT a chart some script drew (FILE.png, FILE.svg) as NAME
#   Whatever these set up (servers, namespaces, the perf tracepoint holder) goes at
#   any exit, Ctrl-C and SIGTERM included.
#
# The results folder (results/<UTC time>-scenario-NAME, or --out): scenario.txt (date,
# kernel, CPUs, topology, build, command, seconds taken), the scenario's CSVs and
# subfolders, its charts, section.md, logs/. docs/findings.md holds each section between
# the lines <!-- BEGIN scenario NAME --> and <!-- END scenario NAME -->, which --findings
# replaces (charts copied to docs/img/findings/); the text around them is written by hand.
#
# Exit status: 0 done; 1 a step failed (what was measured stays in the folder); 2 bad
# usage; 3 this machine cannot run the scenario (the line says why); 130 interrupted.
# `all` goes on past a scenario that fails or cannot run, and exits 1 if any failed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/build.sh
. "$ROOT/bench/lib/build.sh"
# shellcheck source-path=SCRIPTDIR source=lib/server.sh
. "$ROOT/bench/lib/server.sh"
# shellcheck source-path=SCRIPTDIR source=lib/net.sh
. "$ROOT/bench/lib/net.sh"
# shellcheck source-path=SCRIPTDIR source=lib/kcount.sh
. "$ROOT/bench/lib/kcount.sh"
job_name scenario.sh
# The scripts this one runs (matrix.sh, migrate_req.sh) name themselves, not this command.
unset ACCEPTBENCH_CMD

SC_HOME=$ROOT/bench/scenarios
FINDINGS=$ROOT/docs/findings.md

# header FILE KEY: the value of FILE's "# KEY: value" header line (empty if none).
header() {
  sed -n "s/^# $2: //p" "$1" | head -n 1
}

# scenario_names: every scenario, in order (its "# order:" header, then name).
scenario_names() {
  local f
  for f in "$SC_HOME"/*.sh; do
    [[ -e $f ]] || continue
    printf '%s %s\n' "$(header "$f" order)" "$(basename "$f" .sh)"
  done | sort -n -k1,1 -k2,2 | awk '{print $2}'
}

usage() {
  local n
  cat <<USAGE
Usage: $CMD NAME|all [options]
Run a scenario of docs/findings.md: its fixed design, charts (PNG, SVG) and the
Markdown section (section.md) that the findings show, in its own results folder.
  --out DIR        results folder (default results/<UTC time>-scenario-NAME; with
                   all: DIR/NAME for each, default results/<UTC time>-scenario-all)
  --quick          a tiny version (seconds; what CTest runs): same design, fewer and
                   shorter runs; its figures are not for quoting
  --net MODE       veth: two network namespaces joined by a veth pair, each side's
                   receive work on its own CPUs (bench/lib/net.sh), as on two hosts;
                   loopback. Default: veth where it can be set up (root, ip), else
                   loopback, saying why. The section names the topology it ran on
  --findings       put the section into docs/findings.md (between its BEGIN and END
                   lines) and its charts into docs/img/findings/ (not with --quick)
  --redraw DIR     redraw the charts and section of a scenario's earlier results
                   folder, without measuring (with --findings: update the findings)
  --bin DIR        use the programs already built in DIR (skip the build)
  -h, --help       this text and the scenarios
Exit status: 0 done, 1 a step failed, 2 bad usage, 3 this machine cannot run it
(the line says why), 130 interrupted.

Scenarios (bench/scenarios/NAME.sh; a new scenario is a new file there):
USAGE
  for n in $(scenario_names); do
    printf '  %-18s %s\n' "$n" "$(header "$SC_HOME/$n.sh" scenario)"
    [[ -z $(header "$SC_HOME/$n.sh" takes) ]] ||
      printf '  %-18s takes %s\n' "" "$(header "$SC_HOME/$n.sh" takes)"
  done
  echo "  all                every scenario above, in this order"
}

# --- Helpers for the scenario files ------------------------------------------------

# awk functions a scenario's awk programs start with ("$SC_AWK"'...').
# shellcheck disable=SC2034,SC2016  # for the scenario files; awk's own $i
SC_AWK='
function hdr(   i) { for (i = 1; i <= NF; i++) h[$i] = i }
function median(a, n,    i, j, t) {
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(x) { return x == "" ? "" : sprintf(x >= 100 ? "%.0f" : x >= 10 ? "%.1f" : "%.2f", x) }
'

sc_say() {
  echo "scenario $SC_NAME: $*"
}

sc_note() {
  echo "$1: $2" >>"$SC_DIR/scenario.txt"
}

# note_value KEY: the last value scenario.txt has for KEY.
note_value() {
  sed -n "s/^$1: //p" "$SC_DIR/scenario.txt" | tail -n 1
}

sc_matrix() {
  local sub=$1 rc=0
  shift
  sc_say "matrix $sub: $*"
  sc_wait "$SC_DIR/logs/matrix-$sub.log" timeout 1800 "$ROOT/bench/matrix.sh" \
    --bin "$BIN" --net "$SC_NET" --out "$SC_DIR/$sub" "$@" || rc=$?
  grep -E '^\[[0-9]+/[0-9]+\]' "$SC_DIR/logs/matrix-$sub.log" | sed "s/^/  /" || true
  sc_child_status "matrix $sub ($(tail -n 1 "$SC_DIR/logs/matrix-$sub.log"))" "$rc"
  [[ -n $(note_value topology) ]] ||
    sc_note topology "$(sed -n 's/^topology: //p' "$SC_DIR/$sub/env.txt")"
  [[ -n $(note_value kernel_counters) ]] ||
    sc_note kernel_counters "$(sed -n 's/^kernel_counters: //p' "$SC_DIR/$sub/env.txt")"
}

SC_SERVER_JOB="" SC_BG_JOB="" SC_LOOP_NS="" SC_ADDR="" SC_SRUN=() SC_CRUN=() SC_SPID="" SC_PORT=""
sc_hosts_up() {
  if [[ $SC_NET == veth ]]; then
    net_choose veth "$SC_SERVER_CPUS" "$SC_CLIENT_CPUS"
    SC_ADDR=$NET_ADDR SC_SRUN=("${NET_SERVER_RUN[@]}") SC_CRUN=("${NET_CLIENT_RUN[@]}")
    SC_TOPOLOGY=$NET_TOPOLOGY
    sc_note topology "$NET_DESCRIPTION"
  else
    # One namespace of its own: its TCP counters are this scenario's traffic only.
    SC_LOOP_NS=$NET_PREFIX-$$-l
    { ip netns add "$SC_LOOP_NS" && ip -n "$SC_LOOP_NS" link set lo up; } ||
      die "cannot make network namespace $SC_LOOP_NS"
    SC_ADDR=127.0.0.1 SC_SRUN=(ip netns exec "$SC_LOOP_NS") SC_CRUN=(ip netns exec "$SC_LOOP_NS")
    SC_TOPOLOGY=loopback
    sc_note topology "loopback 127.0.0.1, in one network namespace of its own"
  fi
  SC_SPIN=() SC_CPIN=()
  [[ -z $SC_SERVER_CPUS ]] || SC_SPIN=(taskset -c "$SC_SERVER_CPUS")
  [[ -z $SC_CLIENT_CPUS ]] || SC_CPIN=(taskset -c "$SC_CLIENT_CPUS")
}

sc_hosts_down() {
  net_teardown
  [[ -z $SC_LOOP_NS ]] || net_remove "$SC_LOOP_NS" || true
  SC_LOOP_NS=""
}

sc_server_start() {
  local log=$1
  shift
  server_start --stdout "$SC_DIR/logs/$log.out" SC_SERVER_JOB "$SC_DIR/logs/ready" \
    "$SC_DIR/logs/$log.err" "${SC_SRUN[@]}" "${SC_SPIN[@]}" timeout 900 "$server_bin" \
    --listen "$SC_ADDR:0" --ready-file "$SC_DIR/logs/ready" "$@" ||
    die "server $log: $server_error"
  SC_PORT=$(ready_value "$SC_DIR/logs/ready" port)
  SC_SPID=$(ready_value "$SC_DIR/logs/ready" pid)
}

sc_server_stop() {
  [[ -n $SC_SERVER_JOB ]] || return 0
  stop_bounded "$SC_SERVER_JOB" 20 || true
  SC_SERVER_JOB=""
}

# sc_load LABEL OPTIONS...: the load runs in the background and this shell waits for
# it, so that Ctrl-C reaches the INT trap at once. Its exit 130 is then never a
# signal of ours: the generator gave up draining (connections still open --timeout
# + 1 s after the window; its row partial=1), which the scenario reads.
sc_load() {
  local label=$1 rc=0
  shift
  mkdir -p "$SC_DIR/load"
  sc_wait "$SC_DIR/logs/load-$label.log" "${SC_CRUN[@]}" "${SC_CPIN[@]}" timeout 300 "$load_bin" \
    --target "$SC_ADDR:$SC_PORT" --label "$label" --topology "$SC_TOPOLOGY" --out "$SC_DIR/load" \
    --no-progress --kernel-counters --server-pid "$SC_SPID" "$@" || rc=$?
  if [[ $rc -eq 130 ]]; then
    sc_say "load $label: gave up waiting for connections still open --timeout + 1 s after the window; its row is partial=1"
    rc=0
  fi
  [[ $rc -eq 0 ]] || die "load $label failed (exit $rc): $(tail -n 3 "$SC_DIR/logs/load-$label.log")"
}

# sc_wait LOG CMD...: CMD in the background, its output into LOG, and wait for it: a
# foreground command would keep Ctrl-C from the INT trap until it ended. Returns CMD's
# exit status; the trap stops CMD.
sc_wait() {
  local log=$1 rc=0
  shift
  "$@" >"$log" 2>&1 &
  SC_BG_JOB=$!
  wait "$SC_BG_JOB" || rc=$?
  SC_BG_JOB=""
  return "$rc"
}

# sc_child_status WHAT RC: after a child script (matrix.sh, migrate_req.sh) exited RC:
# 130 (it was interrupted with us) ends this scenario as interrupted; another non-zero
# RC is a failed step.
sc_child_status() {
  [[ $2 -ne 130 ]] || { echo "$PROG $SC_NAME: interrupted; what was measured is in $SC_DIR" >&2; exit 130; }
  [[ $2 -eq 0 ]] || die "$1 failed (exit $2)"
}

sc_tcp() {
  local -a run=("${SC_SRUN[@]}")
  [[ $1 == server ]] || run=("${SC_CRUN[@]}")
  shift
  # cat's own namespace is the side's: ip netns exec puts it there.
  "${run[@]}" cat /proc/self/net/netstat /proc/self/net/snmp | awk -v want="$*" '
    BEGIN { n = split(want, w, " ") }
    /^(TcpExt|Tcp):/ { p = substr($1, 1, length($1) - 1)
                       if (!(p in seen)) { seen[p] = 1; for (i = 2; i <= NF; i++) name[p, i] = $i; next }
                       for (i = 2; i <= NF; i++) v[p name[p, i]] = $i }
    END { for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? " " : ""), (("TcpExt" w[i]) in v ? v["TcpExt" w[i]] : v["Tcp" w[i]] + 0); print "" }'
}

# plotvars: the subtitle every chart carries (plots/common.gp's title_with).
write_plotvars() {
  local topo=loopback
  [[ $(note_value topology) != veth* ]] || topo="veth pair between two network namespaces"
  printf 'subtitle = "%s"\n' "${SC_SUBTITLE:-$(note_value date_utc | cut -c1-10), Linux $(note_value kernel), $(note_value nproc) CPUs ($(note_value cpu_model)), $topo, $(note_value mode) run}" \
    >"$SC_DIR/plotvars.gp"
}

sc_chart() {
  local name=$1 alt=$2 script ext
  [[ $name == "$SC_NAME" || $name == "$SC_NAME"-* ]] || die "chart $name: name it $SC_NAME or $SC_NAME-SUFFIX"
  script=$(cat)
  printf '%s\n' "$script" >"$SC_DIR/logs/$name.gp"
  declare -A term=([png]="pngcairo size 1100,650 font 'sans,11'" [svg]="svg size 1100,650 dynamic font 'sans,11'")
  for ext in png svg; do
    gnuplot -e "dir='$SC_DIR'; load '$ROOT/plots/common.gp'; set terminal ${term[$ext]}; set output '$SC_DIR/$name.$ext'" \
      "$SC_DIR/logs/$name.gp" 2>"$SC_DIR/logs/$name.gnuplot.log" ||
      die "chart $name ($ext) failed: $(head -n 3 "$SC_DIR/logs/$name.gnuplot.log")"
  done
  echo "$name|$alt" >>"$SC_DIR/charts.txt"
}

sc_chart_file() {
  local file=$1 name=$2 alt=$3
  [[ -f $file.png && -f $file.svg ]] || die "chart $file.png/.svg was not drawn"
  [[ $file == "$SC_DIR/$name" ]] || { cp "$file.png" "$SC_DIR/$name.png"; cp "$file.svg" "$SC_DIR/$name.svg"; }
  echo "$name|$alt" >>"$SC_DIR/charts.txt"
}

# --- The framework ---------------------------------------------------------------

# needs_met FILE: 0 when this machine has what FILE's "# needs:" asks; else 1 with
# why set to one line.
needs_met() {
  local need
  why=""
  for need in $(header "$1" needs); do
    case $need in
      root) [[ $EUID -eq 0 ]] || why="needs root" ;;
      netns) if [[ $EUID -ne 0 ]]; then why="needs root for network namespaces"
             elif ! command -v ip >/dev/null; then why="needs ip (iproute2) for network namespaces"; fi ;;
      perf) kcount_check || why="needs perf to count context switches: $kcount_why" ;;
      *) why="unknown need '$need' in its header" ;;
    esac
    [[ -z $why ]] || return 1
  done
}

# resolve_net: SC_NET becomes veth or loopback, decided once: auto tries the veth
# set-up and falls back, saying why.
resolve_net() {
  [[ $SC_NET != loopback ]] || return 0
  if net_setup "${SC_SERVER_CPUS:-0}" "${SC_CLIENT_CPUS:-0}" "" "" "" >/dev/null; then
    net_teardown
    SC_NET=veth
  elif [[ $SC_NET == veth ]]; then
    usage_error "--net veth: $net_error (or use --net loopback)"
  else
    echo "$PROG: on loopback, where the server's receive work runs on the client's CPUs; for two hosts on veth: $net_error"
    SC_NET=loopback
  fi
}

section() {
  local name alt start took pin
  start=$(note_value date_utc)
  took=$(note_value elapsed_s)
  echo "<!-- generated by bench/scenario.sh from $(note_value results) ($(note_value command)); rerun to replace -->"
  echo
  echo "| run | date (UTC) | kernel | CPUs | topology | build | took |"
  echo "|---|---|---|---|---|---|---|"
  pin=$(note_value pinning)
  echo "| $(note_value mode) | ${start/T/ } | $(note_value kernel) | $(note_value nproc) × $(note_value cpu_model) (${pin:-server on CPUs ${SC_SERVER_CPUS:-any}, client on ${SC_CLIENT_CPUS:-any}}) | $(note_value topology) | $(note_value git_revision) | ${took:+$((took / 60)) min $((took % 60)) s} |"
  echo
  if [[ -f $SC_DIR/charts.txt ]]; then
    while IFS='|' read -r name alt; do
      echo "![$alt](@IMG@$name.png)"
      echo
    done <"$SC_DIR/charts.txt"
  fi
  scenario_markdown
}

# update_findings: docs/findings.md's block for this scenario becomes section.md,
# its charts go to docs/img/findings/. A findings file without the block gets it
# appended under a heading of its own.
update_findings() {
  local img=$ROOT/docs/img/findings name alt tmp
  mkdir -p "$img"
  if [[ -f $SC_DIR/charts.txt ]]; then
    while IFS='|' read -r name alt; do
      cp "$SC_DIR/$name.png" "$SC_DIR/$name.svg" "$img/"
    done <"$SC_DIR/charts.txt"
  fi
  [[ -f $FINDINGS ]] || printf '# Findings\n' >"$FINDINGS"
  if ! grep -qxF "<!-- BEGIN scenario $SC_NAME -->" "$FINDINGS"; then
    printf '\n## %s\n\n<!-- BEGIN scenario %s -->\n<!-- END scenario %s -->\n' \
      "$SC_NAME" "$SC_NAME" "$SC_NAME" >>"$FINDINGS"
  fi
  tmp=$(mktemp "$FINDINGS.XXXXXX")
  sed 's|@IMG@|img/findings/|g' "$SC_DIR/section.md" >"$tmp.section"
  awk -v begin="<!-- BEGIN scenario $SC_NAME -->" -v end="<!-- END scenario $SC_NAME -->" \
      -v section="$tmp.section" '
    $0 == begin { print; while ((getline line < section) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip' "$FINDINGS" >"$tmp"
  rm -f "$tmp.section"
  mv "$tmp" "$FINDINGS"
  sc_say "section written into ${FINDINGS#"$ROOT"/}, charts into ${img#"$ROOT"/}/"
}

cleanup() {
  if [[ -n $SC_BG_JOB ]]; then
    kill -TERM "$SC_BG_JOB" 2>/dev/null || true
    stop_bounded "$SC_BG_JOB" 15 || true
    SC_BG_JOB=""
  fi
  sc_server_stop
  kcount_hold_stop
  sc_hosts_down
}

# run_one NAME: one scenario in this shell: SC_DIR set, SC_* options parsed.
run_one() {
  local file=$SC_HOME/$SC_NAME.sh t0
  [[ -n $(header "$file" scenario) && $(header "$file" order) =~ ^[0-9]+$ ]] ||
    die "$file lacks its '# scenario: ONE LINE' or '# order: N' header"
  # shellcheck disable=SC1090  # one of bench/scenarios/*.sh
  . "$file"
  declare -F scenario_run scenario_markdown >/dev/null ||
    die "$file defines no scenario_run or no scenario_markdown"
  if [[ -n $redraw ]]; then
    SC_DIR=$(cd "$redraw" && pwd)
    [[ -f $SC_DIR/scenario.txt ]] || usage_error "--redraw: $redraw is not a scenario's results folder"
    [[ $(note_value name) == "$SC_NAME" ]] || usage_error "--redraw: $redraw holds scenario $(note_value name), not $SC_NAME"
    SC_QUICK=$([[ $(note_value mode) == quick ]] && echo 1 || echo 0)
    [[ $SC_QUICK == 0 || $findings == no ]] || usage_error "--findings takes a full run's figures; $redraw is a --quick run"
    SC_SERVER_CPUS=$(note_value server_cpus) SC_CLIENT_CPUS=$(note_value client_cpus)
    rm -f "$SC_DIR/charts.txt"
  else
    needs_met "$file" || { echo "$PROG $SC_NAME: cannot run here: $why" >&2; exit 3; }
    resolve_net
    mkdir -p "$SC_DIR/logs" || die "cannot create $SC_DIR"
    SC_DIR=$(cd "$SC_DIR" && pwd)
    rm -f "$SC_DIR/charts.txt"
    {
      echo "name: $SC_NAME"
      echo "mode: $([[ $SC_QUICK == 1 ]] && echo quick || echo full)"
      echo "date_utc: $(date -u +%Y-%m-%dT%H:%MZ)"
      echo "kernel: $(uname -r)"
      echo "nproc: $(nproc)"
      echo "cpu_model: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
      echo "server_cpus: $SC_SERVER_CPUS"
      echo "client_cpus: $SC_CLIENT_CPUS"
      echo "net: $SC_NET"
      echo "git_revision: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)$(
        git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (modified)')"
      echo "results: ${SC_DIR#"$ROOT"/}"
      echo "command: $CMD $SC_NAME$([[ $SC_QUICK == 1 ]] && echo ' --quick')$([[ $net_given == auto ]] || echo " --net $net_given")"
    } >"$SC_DIR/scenario.txt"
    sc_say "into $SC_DIR ($([[ $SC_QUICK == 1 ]] && echo quick || echo full), $SC_NET)"
    t0=$SECONDS
    scenario_run
    cleanup
    sc_note elapsed_s $((SECONDS - t0))
  fi
  if declare -F scenario_tables >/dev/null; then
    scenario_tables
  fi
  write_plotvars
  if declare -F scenario_chart >/dev/null; then
    command -v gnuplot >/dev/null || die "gnuplot is missing: apt-get install gnuplot-nox"
    scenario_chart
  fi
  section >"$SC_DIR/section.md" || die "writing section.md failed"
  sc_say "section: $SC_DIR/section.md"
  [[ $findings == no ]] || update_findings
}

SC_QUICK=0 SC_NET=auto net_given=auto out="" bin="" findings=no redraw="" name=""
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --quick) SC_QUICK=1; shift ;;
    --findings) findings=yes; shift ;;
    --out|--bin|--net|--redraw)
      [[ $# -ge 2 ]] || usage_error "$1 needs a value (see $CMD --help)"
      case $1 in
        --out) out=$2 ;;
        --bin) bin=$2 ;;
        --net) net_check_mode "$2"; SC_NET=$2 net_given=$2 ;;
        --redraw) [[ -d $2 ]] || usage_error "--redraw: no such folder '$2'"; redraw=$2 ;;
      esac
      shift 2 ;;
    -*) usage_error "scenario: unknown option '$1' (see $CMD --help)" ;;
    *) [[ -z $name ]] || usage_error "scenario: one NAME (or all), not '$name' and '$1'"
       name=$1; shift ;;
  esac
done
[[ -n $name ]] || { usage >&2; exit 2; }
[[ $SC_QUICK == 0 || $findings == no ]] || usage_error "--findings takes a full run's figures: drop --quick"
names=$(scenario_names)
[[ $name == all || " ${names//$'\n'/ } " == *" $name "* ]] ||
  usage_error "scenario: no scenario '$name' (have: ${names//$'\n'/ }, all)"
[[ $name != all || -z $redraw ]] || usage_error "--redraw takes one scenario's folder"

if [[ $name == all ]]; then
  prepare_bin "$bin"
  top=${out:-$(results_dir scenario-all)}
  mkdir -p "$top" || die "cannot create $top"
  failed="" cannot="" t0=$SECONDS
  declare -a pass=()
  [[ $SC_QUICK == 0 ]] || pass+=(--quick)
  [[ $findings == no ]] || pass+=(--findings)
  [[ $net_given == auto ]] || pass+=(--net "$net_given")
  for n in $names; do
    rc=0
    # Each in a process of its own, bounded: its traps clean up what it set up.
    ACCEPTBENCH_CMD="$CMD" timeout --foreground 1800 "$0" "$n" --bin "$BIN" --out "$top/$n" "${pass[@]}" || rc=$?
    case $rc in
      0) ;;
      3) cannot+=" $n" ;;
      130) echo "$PROG: interrupted; results so far in $top" >&2; exit 130 ;;
      *) failed+=" $n" ;;
    esac
  done
  echo "$PROG: all scenarios in $(((SECONDS - t0) / 60)) min $(((SECONDS - t0) % 60)) s into $top"
  [[ -z $cannot ]] || echo "$PROG: could not run here:$cannot (each said why above)"
  [[ -z $failed ]] || die "failed:$failed (see $top/NAME/logs)"
  exit 0
fi

SC_NAME=$name
if [[ -z $redraw ]]; then
  prepare_bin "$bin"
  SC_DIR=${out:-$(results_dir "scenario-$name")}
else
  BIN=${bin:-$ROOT/build}
fi
build_programs "$BIN"
ncpu=$(nproc)
SC_SERVER_CPUS="" SC_CLIENT_CPUS=""
if ((ncpu >= 2)); then
  half=$((ncpu / 2))
  SC_SERVER_CPUS=$([[ $half -eq 1 ]] && echo 0 || echo "0-$((half - 1))")
  SC_CLIENT_CPUS=$([[ $((ncpu - half)) -eq 1 ]] && echo "$half" || echo "$half-$((ncpu - 1))")
fi
kcount_hold_pids=()
trap cleanup EXIT
trap 'cleanup; echo "$PROG $SC_NAME: interrupted; what was measured is in ${SC_DIR:-}" >&2; exit 130' INT TERM
run_one
