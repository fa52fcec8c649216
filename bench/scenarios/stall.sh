# shellcheck shell=bash
# scenario: a stalled worker: one worker process stopped for 0 to 800 ms under load; latency mean, stdev, p99 and max with shared and with reuseport, and where their order flips
# order: 30
# needs: netns
# takes: about 1.5 min (--quick: about 40 s)
#
# The question: one worker stops serving for a while (a slow request, a page fault
# storm, a stop). With one shared listener the other workers take the connections
# that arrive meanwhile; with reuseport the connections hashed to the stopped worker's
# own listener wait for it. Cloudflare (2017) found the shared queue's latency tail
# shorter; NGINX (2015) found reuseport's shorter. Which, and from what stall on?
#
# The design: STALL_WORKERS worker processes (--model process, so that one can be
# stopped alone), epoll, --work-us STALL_WORK_US per request; closed loop,
# STALL_CONNS connections in flight, one request each, for STALL_SECS s. 0.5 s into
# the window worker 0's process is SIGSTOPped for S ms (S in STALL_SWEEP; 0: no
# stop), then SIGCONTed. shared and reuseport, alternating, STALL_REPEATS repeats.
# Per run: latency mean and stdev (from latency.csv's histogram), p99 and max.
# --quick: S 0 and 400, 1 repeat of 1.2 s.

STALL_WORKERS=4
STALL_WORK_US=100
STALL_CONNS=32
STALL_SWEEP="0 25 100 400"
STALL_REPEATS=2
STALL_SECS=1.5

scenario_run() {
  local sweep=$STALL_SWEEP reps=$STALL_REPEATS secs=$STALL_SECS r s strat victim stopper
  [[ $SC_QUICK == 0 ]] || sweep="0 400" reps=1 secs=1.2
  sc_hosts_up
  sc_note design "$STALL_WORKERS worker processes, epoll, --work-us $STALL_WORK_US; closed loop, $STALL_CONNS in flight, ${secs} s; worker 0 stopped 0.5 s in for S ms, S in $sweep; $reps repeats"
  for ((r = 1; r <= reps; r++)); do
    for s in $sweep; do
      for strat in shared reuseport; do
        sc_server_start "server-$strat" --strategy "$strat" --io epoll --model process \
          --workers "$STALL_WORKERS" --work-us "$STALL_WORK_US"
        stats_fetch "$SC_ADDR" "$SC_PORT" "$SC_DIR/logs/stats-$strat.csv" "${SC_SRUN[@]}" ||
          die "GET /stats from the $strat server failed"
        victim=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h["worker"] == 0 { print $h["pid"] }' \
          "$SC_DIR/logs/stats-$strat.csv")
        [[ $victim =~ ^[0-9]+$ && $victim -gt 0 ]] || die "no pid for worker 0 in the $strat server's /stats"
        stopper=""
        if [[ $s != 0 ]]; then
          ( sleep 0.5; kill -STOP "$victim"; sleep "$(awk -v s="$s" 'BEGIN { printf "%.3f", s / 1000 }')"
            kill -CONT "$victim" ) &
          stopper=$!
        fi
        sc_load "$strat-s$s-r$r" --connections "$STALL_CONNS" --duration "${secs}s" --timeout 5s
        [[ -z $stopper ]] || wait "$stopper" || die "stopping worker 0 (pid $victim) failed"
        sc_server_stop
      done
    done
  done
}

# scenario_tables: runs.csv (one row per run: strategy, stall_ms, repeat, completed,
# mean, stdev, p99, max in µs) and stall.csv (per strategy and stall: medians over
# the repeats and the range of p99 and stdev).
scenario_tables() {
  awk -F, "$SC_AWK"'
    FNR == 1 { delete h; hdr(); file++; next }
    file == 1 { if ($h["partial"] != 1) { lab[$h["run_id"]] = $h["label"]; p99[$h["run_id"]] = $h["total_p99_us"]
                  mx[$h["run_id"]] = $h["total_max_us"]; done[$h["run_id"]] = $h["completed"]; o[++nr] = $h["run_id"] }; next }
    $h["metric"] == "total" && ($h["run_id"] in lab) { r = $h["run_id"]; k = $h["count"] - prev[r]; prev[r] = $h["count"]
      v = $h["value_us"]; sum[r] += k * v; sq[r] += k * v * v; tot[r] = $h["total_count"] }
    END { print "strategy,stall_ms,repeat,completed,mean_us,stdev_us,p99_us,max_us"
      for (i = 1; i <= nr; i++) { r = o[i]; split(lab[r], p, "-"); m = tot[r] ? sum[r] / tot[r] : 0
        var = tot[r] ? sq[r] / tot[r] - m * m : 0
        printf "%s,%s,%s,%d,%.0f,%.0f,%s,%s\n", p[1], substr(p[2], 2), substr(p[3], 2), done[r], m, (var > 0 ? sqrt(var) : 0), p99[r], mx[r] } }' \
    "$SC_DIR/load/summary.csv" "$SC_DIR/load/latency.csv" >"$SC_DIR/runs.csv"
  [[ $(wc -l <"$SC_DIR/runs.csv") -gt 1 ]] || die "no complete run in $SC_DIR/load"
  awk -F, "$SC_AWK"'
    NR == 1 { hdr(); next }
    { k = $h["strategy"] "," $h["stall_ms"]; if (!(k in n)) o[++nk] = k; i = ++n[k]
      me[k, i] = $h["mean_us"]; sd[k, i] = $h["stdev_us"]; p[k, i] = $h["p99_us"]; mx[k, i] = $h["max_us"] }
    function lo(a, k, m,   i, x) { x = a[k, 1]; for (i = 2; i <= m; i++) if (a[k, i] < x) x = a[k, i]; return x }
    function hi(a, k, m,   i, x) { x = a[k, 1]; for (i = 2; i <= m; i++) if (a[k, i] > x) x = a[k, i]; return x }
    END { print "strategy,stall_ms,repeats,mean_us,stdev_us,stdev_min,stdev_max,p99_us,p99_min,p99_max,max_us"
      for (q = 1; q <= nk; q++) { k = o[q]; m = n[k]
        for (i = 1; i <= m; i++) { a1[i] = me[k, i]; a2[i] = sd[k, i]; a3[i] = p[k, i]; a4[i] = mx[k, i] }
        printf "%s,%d,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f\n", k, m, median(a1, m), median(a2, m), lo(sd, k, m), hi(sd, k, m),
               median(a3, m), lo(p, k, m), hi(p, k, m), median(a4, m) } }' "$SC_DIR/runs.csv" |
    { read -r head; echo "$head"; sort -t, -k1,1r -k2,2n; } >"$SC_DIR/stall.csv"
}

scenario_chart() {
  sc_chart stall "p99 and max latency against how long one of $STALL_WORKERS workers was stopped, shared and reuseport" <<GP
file = dir.'/stall.csv'
set title title_with("One worker of $STALL_WORKERS stopped for S ms under load ($STALL_CONNS in flight): the latency tail")
set xlabel 'worker 0 stopped for (ms)'
set ylabel 'latency (ms): p99 (median, range of repeats) and max (median)'
set logscale y
set key outside right top
plot file using (strcol("strategy") eq "shared" ? column("stall_ms") : 1/0):(column("p99_us")/1000):(column("p99_min")/1000):(column("p99_max")/1000) with yerrorlines lt 1 pt 7 title 'shared: p99', \
     file using (strcol("strategy") eq "reuseport" ? column("stall_ms") : 1/0):(column("p99_us")/1000):(column("p99_min")/1000):(column("p99_max")/1000) with yerrorlines lt 2 pt 7 title 'reuseport: p99', \
     file using (strcol("strategy") eq "shared" ? column("stall_ms") : 1/0):(column("max_us")/1000) with linespoints lt 1 dt 2 pt 4 title 'shared: max', \
     file using (strcol("strategy") eq "reuseport" ? column("stall_ms") : 1/0):(column("max_us")/1000) with linespoints lt 2 dt 2 pt 4 title 'reuseport: max'
GP
}

scenario_markdown() {
  local f=$SC_DIR/stall.csv
  echo "$(note_value design). Latency: connect to last reply byte (ms), medians over the repeats;"
  echo "stdev from latency.csv's histogram."
  echo
  echo "| stopped for | strategy | repeats | mean | stdev | p99 | p99 range | max |"
  echo "|---:|---|---:|---:|---:|---:|---|---:|"
  awk -F, "$SC_AWK"'
    NR == 1 { hdr(); next }
    { printf "| %s ms | %s | %s | %.2f | %.2f | %.2f | %.2f–%.2f | %.1f |\n", $h["stall_ms"], $h["strategy"], $h["repeats"],
        $h["mean_us"] / 1000, $h["stdev_us"] / 1000, $h["p99_us"] / 1000, $h["p99_min"] / 1000, $h["p99_max"] / 1000, $h["max_us"] / 1000 }' "$f" |
    sort -t'|' -k2,2n -k3,3r
  echo
  echo "Derived from the figures (\"within the run-to-run range\": the p99 ranges overlap):"
  echo
  awk -F, "$SC_AWK"'
    NR == 1 { hdr(); next }
    { s = $h["stall_ms"]; st[s] = 1; p[$h["strategy"], s] = $h["p99_us"]; lo[$h["strategy"], s] = $h["p99_min"]
      hi[$h["strategy"], s] = $h["p99_max"]; sd[$h["strategy"], s] = $h["stdev_us"]; rp[s] = $h["repeats"] }
    END { for (s in st) if (("shared", s) in p && ("reuseport", s) in p) {
            a = p["shared", s]; b = p["reuseport", s]
            w = rp[s] < 2 ? "one repeat: no range" : (lo["shared", s] <= hi["reuseport", s] && lo["reuseport", s] <= hi["shared", s]) ? "within the run-to-run range" : "outside the run-to-run range"
            printf "%d\t- stopped for %s ms: p99 %s %.2f ms, %s %.2f ms (reuseport/shared %.2f, %s); stdev shared %.2f ms, reuseport %.2f ms.\n", s, s,
              "shared", a / 1000, "reuseport", b / 1000, (a > 0 ? b / a : 0), w, sd["shared", s] / 1000, sd["reuseport", s] / 1000 } }' "$f" |
    sort -n | cut -f2
}
