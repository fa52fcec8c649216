#!/usr/bin/env bash
# Fault suite of the load generator (acceptbench-load): a target that is down, dies,
# never answers; port exhaustion; signals; kill -9 while the CSV files are written;
# every option given a bad value. Each case asserts exact outcomes: exit status,
# stderr lines, and CSV values read by column name.
#
# Loopback only, or a network namespace this script creates and deletes itself.
# Every step is bounded by `timeout`; whatever the script starts is stopped on exit.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: loadgen_faults.sh SERVER_BIN LOAD_BIN CASE
       loadgen_faults.sh --help

Cases (one CTest test each, label "faults"):
  down-at-start    nothing listens: exit 1, one exact stderr line, a row with only
                   errors_refused, with and without /stats
  killed-mid-run   the server is SIGKILLed halfway through a 2 s run: the run ends on
                   time, exit 0, refused/reset counted, the output says what happened
  silent-target    a listener that never answers (a SIGSTOPped server) and --timeout
                   300ms: every connection times out, exit 1, exact counts
  port-exhaustion  in a new network namespace with 10 local ports, 64 connections,
                   unbound and all from one --source-ips address: errors_addrnotavail,
                   exit 0, the output names port exhaustion and the fix (exit 77, a
                   skip, when namespaces cannot be created)
  signals          SIGINT during warm-up, SIGTERM mid-run, a second SIGINT cutting a
                   drain short: exit 130, partial=1, earlier rows kept
  kill9-writes     kill -9 at 20 points of runs appending to a large summary.csv:
                   never a torn or truncated file; stale temp files removed
  bad-options      every option with bad values: exit 2, one stderr line naming the
                   option, nothing on stdout, nothing created in --out
EOF
}

if [[ ${1:-} == --help || ${1:-} == -h ]]; then
    usage
    exit 0
fi
if [[ $# -ne 3 ]]; then
    usage >&2
    exit 2
fi
server_bin=$1
load_bin=$2
case_name=$3
PROG=acceptbench-load

# shellcheck source-path=SCRIPTDIR source=../testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../testlib.sh"

work=$(mktemp -d)
wrapper_pid=""   # the `timeout` running the server
server_pid=""    # the server itself (from its ready file)
stopped=0        # the server is SIGSTOPped
netns=""         # a network namespace we created
bg_pids=()       # other background jobs of ours

cleanup() {
    local p
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        [[ $stopped == 1 ]] && kill -CONT "$server_pid" 2>/dev/null
        kill -TERM "$server_pid" 2>/dev/null || true
    fi
    for p in "${bg_pids[@]}" "$wrapper_pid"; do
        [[ -n $p ]] || continue
        kill -TERM "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    if [[ -n $netns ]]; then
        ip netns delete "$netns" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $case_name: $*" >&2
    exit 1
}

# ---- the server ----

# start_server [ARGS...]: start it (inside $netns when set) and set $port, $server_pid.
start_server() {
    local -a pre=()
    [[ -n $netns ]] && pre=(ip netns exec "$netns")
    server_start --stdout "$work/server.out" wrapper_pid "$work/ready" "$work/server.err" \
        "${pre[@]}" timeout 120 "$server_bin" --workers 2 --ready-file "$work/ready" "$@" \
        || fail "$server_error"
    port=$(ready_value "$work/ready" port)
    server_pid=$(ready_value "$work/ready" pid)
    [[ -n $port && -n $server_pid ]] || fail "ready file lacks port= or pid="
}

stop_server() {
    [[ $stopped == 1 ]] && kill -CONT "$server_pid" 2>/dev/null
    stopped=0
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$wrapper_pid" 2>/dev/null || true
    wrapper_pid=""
    server_pid=""
}

# closed_port: a port on 127.0.0.1 that was just listening and is now closed.
closed_port() {
    start_server --listen 127.0.0.1:0
    stop_server
}

# ---- CSV by column name (col and last: testlib.sh) ----

# rows FILE: data rows.
rows() {
    echo $(($(wc -l <"$1") - 1))
}

# sum_run FILE RUN_ID NAME: the column summed over the rows of one run.
sum_run() {
    awk -F, -v run="$2" -v name="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h["run_id"] == run { s += $h[name] } END { print s + 0 }' "$1"
}

# col_run FILE RUN_ID NAME: the column's values in the rows of one run.
col_run() {
    awk -F, -v run="$2" -v name="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h["run_id"] == run { print $h[name] }' "$1"
}

# Every file exists, ends in a newline, and every row has as many fields as its header.
check_shapes() {
    local f
    for f in summary workers latency timeseries kernel; do
        [[ -s $1/$f.csv ]] || fail "$f.csv missing or empty"
        [[ $(tail -c 1 "$1/$f.csv" | od -An -c | tr -d ' ') == '\n' ]] \
            || fail "$f.csv does not end in a newline"
        awk -F, 'NR == 1 { n = NF; next } NF != n { print FILENAME ": row " NR " has " NF \
            " fields, header " n; bad = 1 } END { exit bad }' "$1/$f.csv" \
            || fail "$f.csv is ragged"
    done
}

# expect_errors FILE CLASS=N... : the last row's errors_* columns; every class not
# named must be 0. N may be ">0".
expect_errors() {
    local file=$1 e want got
    shift
    for e in refused reset timeout addrnotavail status short malformed other; do
        want=0
        for spec in "$@"; do
            [[ ${spec%%=*} == "$e" ]] && want=${spec#*=}
        done
        got=$(last "$file" "errors_$e")
        if [[ $want == ">0" ]]; then
            [[ $got -gt 0 ]] || fail "errors_$e is $got, expected > 0"
        else
            [[ $got == "$want" ]] || fail "errors_$e is $got, expected $want"
        fi
    done
}

# The sum of every errors_* column of the last row.
errors_total() {
    local e n=0
    for e in refused reset timeout addrnotavail status short malformed other; do
        n=$((n + $(last "$1" "errors_$e")))
    done
    echo "$n"
}

# run_load OUTFILE ERRFILE ARGS...: the generator under a 60 s bound, status in $rc,
# wall time in ms in $elapsed_ms.
run_load() {
    local out=$1 err=$2 t0 t1
    shift 2
    rc=0
    t0=$(date +%s%N)
    timeout -s KILL 60 "$load_bin" --no-progress "$@" >"$out" 2>"$err" || rc=$?
    t1=$(date +%s%N)
    elapsed_ms=$(((t1 - t0) / 1000000))
}

# in_range VALUE LO HI: LO <= VALUE <= HI, as decimals.
in_range() {
    awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'
}

# ---- the cases ----

case_down_at_start() {
    closed_port
    local out=$work/out want
    want="$PROG: nothing is listening at 127.0.0.1:$port: every connection was refused; is the server running?"

    # With /stats (the default), the first GET is refused and the run stops there.
    run_load "$work/stdout" "$work/stderr" --target "127.0.0.1:$port" --duration 5s \
        --out "$out" --label down
    [[ $rc == 1 ]] || fail "exit status $rc, expected 1"
    [[ $(cat "$work/stderr") == "$want" ]] || fail "stderr: $(cat "$work/stderr")"
    [[ ! -s $work/stdout ]] || fail "stdout not empty: $(head -n 3 "$work/stdout")"
    [[ $elapsed_ms -lt 2000 ]] || fail "took ${elapsed_ms} ms for a target that is down"
    check_shapes "$out"
    [[ $(rows "$out/summary.csv") == 1 ]] || fail "expected one summary row"
    [[ $(last "$out/summary.csv" completed) == 0 ]] || fail "completed is not 0"
    [[ $(last "$out/summary.csv" partial) == 0 ]] || fail "marked partial"
    [[ $(last "$out/summary.csv" label) == down ]] || fail "label lost"
    expect_errors "$out/summary.csv" refused=1
    [[ -n $(last "$out/summary.csv" timestamp) && -n $(last "$out/summary.csv" kernel) ]] \
        || fail "timestamp or kernel empty"
    for f in workers latency timeseries; do
        [[ $(rows "$out/$f.csv") == 0 ]] || fail "$f.csv has rows for a run that measured nothing"
    done

    # Without /stats the load runs its duration, every connection refused.
    run_load "$work/stdout" "$work/stderr" --target "127.0.0.1:$port" --duration 500ms \
        --no-stats --out "$out" --label down-nostats
    [[ $rc == 1 ]] || fail "--no-stats: exit status $rc, expected 1"
    [[ $(cat "$work/stderr") == "$want" ]] || fail "--no-stats: stderr: $(cat "$work/stderr")"
    [[ ! -s $work/stdout ]] || fail "--no-stats: stdout not empty"
    check_shapes "$out"
    [[ $(rows "$out/summary.csv") == 2 ]] || fail "expected a second summary row"
    [[ $(last "$out/summary.csv" completed) == 0 ]] || fail "--no-stats: completed is not 0"
    expect_errors "$out/summary.csv" "refused=>0"
    local run refused
    run=$(last "$out/summary.csv" run_id)
    refused=$(last "$out/summary.csv" errors_refused)
    [[ $(sum_run "$out/timeseries.csv" "$run" errors) == "$refused" ]] \
        || fail "timeseries errors do not sum to errors_refused $refused"
    in_range "$(last "$out/summary.csv" duration_s)" 0.5 1.5 \
        || fail "duration_s $(last "$out/summary.csv" duration_s), expected 0.5..1.5"
}

case_killed_mid_run() {
    start_server --listen 127.0.0.1:0
    local out=$work/out victim=$server_pid
    local killed=0
    (sleep 1 && kill -KILL "$victim") &
    bg_pids+=($!)
    # bash announces the server's death by SIGKILL ("Killed") on its stderr: expected
    # here, so kept out of the test's output.
    {
        run_load "$work/stdout" "$work/stderr" --target "127.0.0.1:$port" --duration 2s \
            --connections 8 --threads 2 --out "$out" --label killed
        wait "${bg_pids[-1]}" && killed=1
        wait "$wrapper_pid" || true
    } 2>/dev/null
    unset 'bg_pids[-1]'
    wrapper_pid="" server_pid=""
    [[ $killed == 1 ]] || fail "could not SIGKILL the server"
    # Documented: errors never fail a run in which connections completed.
    [[ $rc == 0 ]] || fail "exit status $rc, expected 0: $(cat "$work/stderr")"
    [[ ! -s $work/stderr ]] || fail "stderr: $(cat "$work/stderr")"
    [[ $elapsed_ms -lt 3500 ]] || fail "a 2 s run took ${elapsed_ms} ms"
    check_shapes "$out"
    local s=$out/summary.csv run completed refused reset short
    run=$(last "$s" run_id)
    completed=$(last "$s" completed)
    refused=$(last "$s" errors_refused)
    reset=$(last "$s" errors_reset)
    short=$(last "$s" errors_short)
    [[ $completed -gt 0 ]] || fail "nothing completed before the kill"
    [[ $refused -gt 0 ]] || fail "no refused connections after the kill"
    # A connection open at the kill is reset (unread data) or sees EOF before its
    # reply (short); nothing else can happen to it.
    expect_errors "$s" "refused=$refused" "reset=$reset" "short=$short"
    [[ $(last "$s" partial) == 0 ]] || fail "marked partial"
    in_range "$(last "$s" duration_s)" 2.0 3.0 || fail "duration_s $(last "$s" duration_s)"
    [[ -z $(last "$s" server_accepted) ]] || fail "server_accepted without a server"
    [[ $(sum_run "$out/timeseries.csv" "$run" completed) == "$completed" ]] \
        || fail "timeseries completed does not sum to $completed"
    [[ $(sum_run "$out/timeseries.csv" "$run" errors) == "$(errors_total "$s")" ]] \
        || fail "timeseries errors do not sum to the summary's"
    grep -q "^  Errors: refused $refused" "$work/stdout" || fail "no Errors line"
    grep -qF "Note: refused (ECONNREFUSED): nothing was listening at 127.0.0.1:$port: the server stopped or restarted during the run" \
        "$work/stdout" || fail "the output does not say the server went away"
    grep -q "^  Server: no /stats figures: connect 127.0.0.1:$port: Connection refused" \
        "$work/stdout" || fail "the output does not say why /stats is missing"
}

case_silent_target() {
    # A stopped server: the kernel completes handshakes into its backlog, nobody ever
    # accepts or answers.
    start_server --listen 127.0.0.1:0
    kill -STOP "$server_pid"
    stopped=1
    local out=$work/out s=$work/out/summary.csv run want

    # --count: every one of the 24 connections times out, in 3 rounds of 8.
    run_load "$work/stdout" "$work/stderr" --target "127.0.0.1:$port" --count 24 \
        --connections 8 --threads 2 --timeout 300ms --no-stats --out "$out" --label count
    want="$PROG: no connection to 127.0.0.1:$port completed; errors: timeout 24"
    [[ $rc == 1 ]] || fail "--count: exit status $rc, expected 1"
    [[ $(cat "$work/stderr") == "$want" ]] || fail "--count: stderr: $(cat "$work/stderr")"
    check_shapes "$out"
    [[ $(last "$s" completed) == 0 ]] || fail "--count: completed is not 0"
    expect_errors "$s" timeout=24
    in_range "$(last "$s" duration_s)" 0.9 1.6 \
        || fail "--count: duration_s $(last "$s" duration_s), expected 3 x 300 ms"
    run=$(last "$s" run_id)
    [[ $(sum_run "$out/timeseries.csv" "$run" errors) == 24 ]] || fail "timeseries errors"
    [[ $(sum_run "$out/latency.csv" "$run" count) == 0 ]] || fail "latency rows for no reply"
    grep -qF "Note: timeout: no connect or reply within --timeout 300" "$work/stdout" \
        || fail "--count: the output does not explain the timeouts"

    # --duration with /stats: one thread, 8 in flight, each round times out whole and
    # is replaced, and the round in flight at the end drains into the window: errors =
    # 8 x the rounds started in 1050 ms, which is 4 (at 0, 300, 600, 900 ms, plus the
    # sweep's lag). /stats waits --timeout, not 5 s.
    run_load "$work/stdout" "$work/stderr" --target "127.0.0.1:$port" --duration 1050ms \
        --connections 8 --threads 1 --timeout 300ms --out "$out" --label duration
    [[ $rc == 1 ]] || fail "--duration: exit status $rc, expected 1"
    [[ $(cat "$work/stderr") == "$PROG: no connection to 127.0.0.1:$port completed; errors: timeout 32" ]] \
        || fail "--duration: stderr: $(cat "$work/stderr")"
    [[ $elapsed_ms -lt 4000 ]] || fail "--duration: took ${elapsed_ms} ms; /stats not bounded by --timeout?"
    check_shapes "$out"
    [[ $(rows "$s") == 2 ]] || fail "expected 2 summary rows"
    [[ $(last "$s" completed) == 0 ]] || fail "--duration: completed is not 0"
    expect_errors "$s" timeout=32
    in_range "$(last "$s" duration_s)" 1.05 1.6 || fail "--duration: duration_s $(last "$s" duration_s)"
    run=$(last "$s" run_id)
    [[ $(sum_run "$out/timeseries.csv" "$run" errors) == 32 ]] || fail "timeseries errors"
    grep -q "^  Server: no /stats figures: .*timed out" "$work/stdout" \
        || fail "the output does not say /stats timed out"
    stop_server
}

case_port_exhaustion() {
    netns=abload-$$
    if ! ip netns add "$netns" 2>"$work/netns.err"; then
        netns=""
        echo "SKIP: cannot create a network namespace: $(cat "$work/netns.err")" >&2
        exit 77
    fi
    timeout 10 ip -n "$netns" link set lo up
    timeout 10 ip netns exec "$netns" sysctl -qw net.ipv4.ip_local_port_range="40000 40009"
    [[ $(ip netns exec "$netns" sysctl -n net.ipv4.ip_local_port_range) == 40000*40009 ]] \
        || fail "could not narrow ip_local_port_range in the namespace"
    # A fixed port outside the range: the namespace is new, so nothing else has it.
    start_server --listen 127.0.0.1:8080
    local out=$work/out s=$work/out/summary.csv run completed src
    # Unbound sockets (the kernel picks the source port), then every connection bound
    # to one source address (--source-ips: bind, port chosen at connect).
    for src in "" 127.0.0.1; do
        rc=0
        timeout -s KILL 60 ip netns exec "$netns" "$load_bin" --no-progress \
            --target 127.0.0.1:8080 --duration 1s --connections 64 --threads 2 \
            ${src:+--source-ips "$src"} --out "$out" --label "ports$src" \
            >"$work/stdout" 2>"$work/stderr" || rc=$?
        [[ $rc == 0 ]] || fail "[$src] exit status $rc, expected 0: $(cat "$work/stderr")"
        [[ ! -s $work/stderr ]] || fail "[$src] stderr: $(cat "$work/stderr")"
        check_shapes "$out"
        run=$(last "$s" run_id)
        completed=$(last "$s" completed)
        [[ $completed -gt 0 ]] || fail "[$src] nothing completed on the 10 ports"
        expect_errors "$s" "addrnotavail=>0"
        [[ $(sum_run "$out/timeseries.csv" "$run" completed) == "$completed" ]] \
            || fail "[$src] timeseries completed"
        [[ $(sum_run "$out/timeseries.csv" "$run" errors) == "$(errors_total "$s")" ]] \
            || fail "[$src] timeseries errors"
        grep -qF "Note: addrnotavail (EADDRNOTAVAIL) is port exhaustion: no free local port for a new connection: fewer --connections, more --source-ips (127.0.0.x), or a wider net.ipv4.ip_local_port_range" \
            "$work/stdout" || fail "[$src] the output does not name port exhaustion and its fix"
    done
    [[ $(rows "$s") == 2 ]] || fail "expected 2 summary rows"
    stop_server
    ip netns delete "$netns"
    netns=""
}

# start_load_bg ARGS...: the generator in the background; $load_pid is the generator
# itself (signals go to it, not to the timeout around it).
start_load_bg() {
    timeout -s KILL 60 "$load_bin" --no-progress "$@" >"$work/stdout" 2>"$work/stderr" &
    bg_pids+=($!)
    load_pid=""
    for _ in $(seq 200); do
        load_pid=$(pgrep -P "${bg_pids[-1]}" || true)
        [[ -n $load_pid ]] && break
        sleep 0.01
    done
    [[ -n $load_pid ]] || fail "the generator did not start"
}

# wait_load: its exit status into $rc.
wait_load() {
    rc=0
    wait "${bg_pids[-1]}" || rc=$?
    unset 'bg_pids[-1]'
}

case_signals() {
    start_server --listen 127.0.0.1:0
    local out=$work/out s=$work/out/summary.csv before
    # One complete run first: the interrupted ones must add rows, never lose any.
    run_load "$work/stdout" "$work/stderr" --target "127.0.0.1:$port" --count 200 \
        --out "$out" --label complete
    [[ $rc == 0 ]] || fail "the first run failed: $(cat "$work/stderr")"
    before=$(cat "$s")

    # SIGINT during the warm-up: nothing measured, a partial row, exit 130.
    start_load_bg --target "127.0.0.1:$port" --warmup 10s --duration 10s \
        --connections 4 --out "$out" --label warmup
    sleep 0.7
    kill -INT "$load_pid"
    wait_load
    [[ $rc == 130 ]] || fail "SIGINT in warm-up: exit status $rc, expected 130"
    check_shapes "$out"
    [[ $(rows "$s") == 2 ]] || fail "SIGINT in warm-up: expected 2 summary rows"
    [[ $(head -n 2 "$s") == "$before" ]] || fail "SIGINT in warm-up: the earlier row changed"
    [[ $(last "$s" partial) == 1 ]] || fail "SIGINT in warm-up: not partial"
    [[ $(last "$s" completed) == 0 ]] || fail "SIGINT in warm-up: completed counted"
    [[ $(last "$s" duration_s) == 0.000000 ]] || fail "SIGINT in warm-up: duration_s $(last "$s" duration_s)"
    expect_errors "$s"
    grep -qF "[PARTIAL: interrupted]" "$work/stdout" || fail "SIGINT in warm-up: not shown as partial"

    # SIGTERM mid-run: the same as SIGINT.
    start_load_bg --target "127.0.0.1:$port" --duration 30s --connections 8 \
        --out "$out" --label sigterm
    sleep 1
    kill -TERM "$load_pid"
    wait_load
    [[ $rc == 130 ]] || fail "SIGTERM: exit status $rc, expected 130"
    check_shapes "$out"
    [[ $(rows "$s") == 3 ]] || fail "SIGTERM: expected 3 summary rows"
    [[ $(head -n 2 "$s") == "$before" ]] || fail "SIGTERM: the earlier row changed"
    [[ $(last "$s" partial) == 1 ]] || fail "SIGTERM: not partial"
    [[ $(last "$s" completed) -gt 0 ]] || fail "SIGTERM: nothing counted"
    [[ $(last "$s" server_accepted) == "$(last "$s" completed)" ]] \
        || fail "SIGTERM: server accepted $(last "$s" server_accepted), completed $(last "$s" completed)"
    expect_errors "$s"
    local run
    run=$(last "$s" run_id)
    [[ $(col_run "$out/workers.csv" "$run" partial | sort -u) == 1 ]] || fail "workers rows not partial"
    [[ $(col_run "$out/timeseries.csv" "$run" partial | sort -u) == 1 ]] \
        || fail "timeseries rows not partial"

    # A drain that cannot end (a stopped server, --timeout 30s): the first SIGINT
    # starts it, a second one 1.5 s later abandons it.
    kill -STOP "$server_pid"
    stopped=1
    start_load_bg --target "127.0.0.1:$port" --duration 30s --connections 4 \
        --threads 1 --timeout 30s --no-stats --out "$out" --label abandoned
    sleep 0.5
    kill -INT "$load_pid"
    sleep 1.5
    kill -INT "$load_pid"
    local t0
    t0=$(date +%s%N)
    wait_load
    [[ $(($(date +%s%N) - t0)) -lt 2000000000 ]] || fail "second SIGINT: still waited for the drain"
    [[ $rc == 130 ]] || fail "second SIGINT: exit status $rc, expected 130"
    check_shapes "$out"
    [[ $(rows "$s") == 4 ]] || fail "second SIGINT: expected 4 summary rows"
    [[ $(head -n 2 "$s") == "$before" ]] || fail "second SIGINT: the earlier row changed"
    [[ $(last "$s" partial) == 1 ]] || fail "second SIGINT: not partial"
    [[ $(last "$s" completed) == 0 ]] || fail "second SIGINT: completed counted"
    in_range "$(last "$s" duration_s)" 1.5 3 || fail "second SIGINT: duration_s $(last "$s" duration_s)"
    stop_server
}

# A summary.csv of N rows, then runs killed with SIGKILL at 20 points: before the
# load, during it, and in the middle of writing each of the five files.
case_kill9_writes() {
    start_server --listen 127.0.0.1:0
    local out=$work/out s=$work/out/summary.csv n=20000 header
    run_load "$work/stdout" "$work/stderr" --target "127.0.0.1:$port" --count 100 \
        --connections 4 --out "$out" --label seed
    [[ $rc == 0 ]] || fail "the seed run failed: $(cat "$work/stderr")"
    # Grow summary.csv to N rows (about 12 MB) so that writing it takes a while.
    header=$(head -n 1 "$s")
    awk -F, -v OFS=, -v n="$n" 'NR == 2 { for (i = 1; i <= n; i++) { $1 = "seed-" i; print } }' \
        "$s" >"$work/rows"
    { echo "$header"; cat "$work/rows"; } >"$s"
    cp "$s" "$work/original"
    local k=0 i rows_now tmp_seen=0 mid_summary=0 f
    local -a targets=(workers latency timeseries summary)
    for i in $(seq 0 19); do
        start_load_bg --target "127.0.0.1:$port" --count 300 --connections 4 \
            --threads 1 --out "$out" --label "kill$i"
        if [[ $i -lt 8 ]]; then
            # At a point in time: 0, 40, ..., 280 ms into the run.
            sleep "$(printf '0.%03d' $((i * 40)))"
        else
            # While it writes file targets[i % 4]: as soon as its temporary file exists.
            f=${targets[i % 4]}
            local deadline=$((SECONDS + 20))
            until compgen -G "$out/$f.csv.tmp.*" >/dev/null; do
                kill -0 "$load_pid" 2>/dev/null || break
                [[ $SECONDS -lt $deadline ]] || fail "kill $i: no $f.csv.tmp.* within 20 s"
            done
        fi
        {   # bash's "Killed" notice for the generator is expected: keep it out
            kill -KILL "$load_pid" || true
            wait_load
        } 2>/dev/null
        if compgen -G "$out/*.tmp.*" >/dev/null; then
            tmp_seen=$((tmp_seen + 1))
        fi
        if [[ $i -ge 8 && ${targets[i % 4]} == summary ]] &&
            compgen -G "$out/summary.csv.tmp.*" >/dev/null; then
            mid_summary=$((mid_summary + 1))
        fi

        # summary.csv: the header, the N original rows untouched, then whole rows.
        [[ $(head -n 1 "$s") == "$header" ]] || fail "kill $i: header changed"
        cmp -s -n "$(stat -c %s "$work/original")" "$s" "$work/original" \
            || fail "kill $i: the original rows changed"
        check_shapes "$out"
        rows_now=$(rows "$s")
        [[ $rows_now == $((n + k)) || $rows_now == $((n + k + 1)) ]] \
            || fail "kill $i: $rows_now rows, expected $((n + k)) or $((n + k + 1))"
        k=$((rows_now - n))
        # Nothing but the five files and temporary files of a killed writer.
        for f in "$out"/* "$out"/.[!.]*; do
            [[ -e $f ]] || continue
            [[ ${f##*/} =~ ^(summary|workers|latency|timeseries|kernel)\.csv(\.tmp\.[A-Za-z0-9]{6})?$ ]] \
                || fail "kill $i: unexpected file in --out: $f"
        done
    done
    # The hazard itself was exercised: a writer died halfway through summary.csv.
    [[ $mid_summary -ge 1 ]] || fail "no kill landed while summary.csv was being written"
    # A run that is not killed removes what the killed writers left, and every summary
    # row's run has its timeseries rows (summary.csv is written last).
    run_load "$work/stdout" "$work/stderr" --target "127.0.0.1:$port" --count 100 \
        --connections 4 --out "$out" --label final
    [[ $rc == 0 ]] || fail "the final run failed: $(cat "$work/stderr")"
    [[ $(rows "$s") == $((n + k + 1)) ]] || fail "the final run: $(rows "$s") rows"
    ! compgen -G "$out/*.tmp.*" >/dev/null || fail "temporary files left: $(ls "$out")"
    local run completed
    while read -r run completed; do
        [[ $(sum_run "$out/timeseries.csv" "$run" completed) == "$completed" ]] \
            || fail "run $run: timeseries rows missing or incomplete"
    done < <(paste -d ' ' <(col "$s" run_id) <(col "$s" completed) | tail -n $((k + 1)))
    echo "kill9-writes: $k of 20 killed runs had written summary.csv; after $tmp_seen kills a temporary file was there, $mid_summary of them mid-summary.csv"
    stop_server
}

# bad OPTION ARGS...: the generator given ARGS (behind a closed --target, a short
# --duration and an --out that must stay absent, unless ARGS set those) exits 2 with
# one stderr line starting "acceptbench-load: OPTION: ", prints nothing on stdout and
# creates nothing. ARGS come last, so a missing value stays missing.
bad_count=0
bad() {
    local opt=$1 dir lines shown
    shift
    bad_count=$((bad_count + 1))
    dir=$work/out$bad_count
    local -a extra=(--no-progress) a=("$@")
    local words=" ${a[*]} "
    [[ $words == *" --target "* || $words == *" -a "* ]] || extra+=(--target "$closed")
    [[ $words == *" --duration "* || $words == *" -d "* || $words == *" --count "* ||
        $words == *" -n "* ]] || extra+=(--duration 200ms)
    [[ $opt == --out ]] || extra+=(--out "$dir")
    rc=0
    timeout -s KILL 10 "$load_bin" "${extra[@]}" "$@" >"$work/stdout" 2>"$work/stderr" || rc=$?
    shown=$(printf '%q ' "$@")
    shown=${shown:0:80}
    [[ $rc == 2 ]] || fail "[$shown]: exit status $rc, expected 2; stderr: $(head -c 300 "$work/stderr")"
    [[ ! -s $work/stdout ]] || fail "[$shown]: stdout not empty"
    lines=$(wc -l <"$work/stderr")
    [[ $lines == 1 ]] || fail "[$shown]: $lines lines on stderr: $(cat "$work/stderr")"
    [[ $(cat "$work/stderr") == "$PROG: $opt: "* ]] \
        || fail "[$shown]: stderr does not start with '$PROG: $opt: ': $(cat "$work/stderr")"
    [[ ! -e $dir ]] || fail "[$shown]: created $dir"
}

case_bad_options() {
    closed_port
    closed=127.0.0.1:$port
    echo "x" >"$work/a-file"
    mkdir "$work/foreign"
    echo "run_id,label,something_else" >"$work/foreign/summary.csv"
    # Our own files, the last line of summary.csv cut short (target down: one row each).
    timeout 10 "$load_bin" --no-progress --target "$closed" --out "$work/torn" \
        >/dev/null 2>&1 || true
    [[ -s $work/torn/summary.csv ]] || fail "no summary.csv for the torn case"
    printf 'run-cut-sh' >>"$work/torn/summary.csv"
    cp "$work/torn/summary.csv" "$work/torn.before"
    bad --connections --connections 0
    bad --connections --connections abc
    bad --connections -c -1
    bad --connections --connections 1.5
    bad --connections --connections ""
    bad --connections --connections 99999999
    bad --connections --connections 1000000       # more than the descriptor limit
    bad --connections --connections 1 --threads 2
    bad --connections --connections 2 --threads 4   # an explicit -t above -c, refused
    [[ $(cat "$work/stderr") == "$PROG: --connections: must be at least --threads (each thread needs one) (see --help)" ]] \
        || fail "-c 2 -t 4: $(cat "$work/stderr")"
    bad --connections --connections                # no value
    bad -c -c
    bad --rate --rate -5
    bad --rate --rate 0
    bad --rate -r abc
    bad --rate --rate 200M
    bad --rate --rate 5k/m
    bad --threads --threads 0
    bad --threads -t 999
    bad --threads --threads x
    bad --requests-per-conn --requests-per-conn 0
    bad --requests-per-conn -k x
    bad --duration --duration 10x
    bad --duration --duration 0
    bad --duration -d -1s
    bad --duration --duration 99999999h
    bad --count --count 0
    bad --count -n abc
    bad --count --count 1e3
    bad --count --count 10 --duration 1s
    bad --count --count 1 --threads 2             # a thread with no share would never stop
    bad --warmup --warmup x
    bad --warmup -w -1s
    bad --warmup --warmup 2000h
    bad --timeout --timeout 0
    bad --timeout -T 500us
    bad --timeout --timeout abc
    bad --timeout --timeout 99999999h
    bad --target --target nohost
    bad --target --target 127.0.0.1:99999
    bad --target -a 127.0.0.1:0
    bad --target --target :80
    bad --target --target "[::1]"
    bad --target --target example.com:80
    bad --source-ips --source-ips 300.1.1.1
    bad --source-ips -s 127.0.0.1-300
    bad --source-ips --source-ips 127.0.0.9-2
    bad --source-ips --source-ips ::1
    bad --source-ips --source-ips ,
    bad --source-ips --source-ips 127.0.0.1 --target "[::1]:80"
    bad --protocol --protocol ftp
    bad --protocol -P ""
    bad --path --path ""
    bad --path --path nopath
    bad --path --path "/a b"
    bad --path --path $'/a\r\nX: y'
    bad --path --path "/$(printf '%9000s' '' | tr ' ' a)"
    bad --stats --stats nohost
    bad --stats --stats 127.0.0.1:99999
    bad --stats --stats 127.0.0.1:0
    bad --label --label $'a\nb'
    bad --label -l $'a\tb'
    bad --out --out ""
    bad --out --out "$work/a-file"
    bad --out --out "$work/a-file/sub"
    bad --out --out "$work/foreign"
    bad --out --out "$work/torn"
    bad --progress --progress=yes
    bad --no-progress --no-progress=1
    bad --no-stats --no-stats=1
    bad --help --help=1
    bad --version --version=1
    bad --bogus --bogus
    bad -x -x
    bad "$closed" "$closed"                          # the target is not positional
    [[ $(cat "$work/a-file") == x ]] || fail "--out a-file: the file changed"
    [[ $(ls -A "$work/foreign") == summary.csv ]] || fail "--out foreign: files created"
    cmp -s "$work/torn/summary.csv" "$work/torn.before" || fail "--out torn: summary.csv changed"
    echo "bad-options: $bad_count bad values rejected"
}

case $case_name in
down-at-start) case_down_at_start ;;
killed-mid-run) case_killed_mid_run ;;
silent-target) case_silent_target ;;
port-exhaustion) case_port_exhaustion ;;
signals) case_signals ;;
kill9-writes) case_kill9_writes ;;
bad-options) case_bad_options ;;
*) usage >&2; exit 2 ;;
esac
echo "ok: $case_name"
