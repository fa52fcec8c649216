# shellcheck shell=bash
# scenario: the thundering herd: server context switches per connection with idle workers waiting, one connection at a time
# order: 10
# needs: perf
# takes: about 2.5 min (--quick: about 12 s)
#
# The question: when one connection arrives and N workers wait for it, how many of
# them does the kernel wake? Plain epoll on one shared listener is said to wake every
# waiter, EPOLLEXCLUSIVE (Linux 4.5) and a blocking accept() about one.
#
# The design: one connection at a time arriving while every worker sleeps: open loop
# at HERD_RATE connections/s with at most 1 open (each connection is served in well
# under 1/HERD_RATE s, so every worker is back asleep when the next one comes), one
# HTTP request each. The server's context switches per connection are counted by perf
# over the window (acceptbench-load --kernel-counters through matrix.sh:
# server_context_switches_per_conn, and per thread in kernel.csv), beside /stats'
# wasted wake-ups (wake-ups that reached the server's code and found nothing). shared
# with blocking, epoll, epoll-exclusive and uring at 2, 4 and 8 workers; reuseport
# (a listener per worker: no herd by construction) with blocking and epoll at 4; then
# the closed loop with 1 connection in flight (the next connection as soon as the last
# one closes) at 4 workers for shared blocking, epoll and epoll-exclusive, where a
# woken worker may not be asleep again when the next connection comes; on veth, the
# open loop at 4 workers once more on loopback. 3 interleaved repeats of 1 s after
# 0.3 s of warm-up. --quick: the open loop, shared blocking, epoll, epoll-exclusive at
# 4 workers, 1 repeat.

HERD_N=4      # the worker count of the per-worker chart and the closed loop
HERD_RATE=300

scenario_run() {
  local -a common=(--connections 1 --duration 1s --warmup 300ms --label herd)
  if [[ $SC_QUICK == 1 ]]; then
    sc_matrix open "${common[@]}" --strategies shared --io blocking,epoll,epoll-exclusive --workers "$HERD_N" \
      --rate "$HERD_RATE" --repeat 1
    return
  fi
  sc_matrix open "${common[@]}" --strategies shared --io blocking,epoll,epoll-exclusive,uring --workers 2,4,8 \
    --rate "$HERD_RATE" --repeat 3
  sc_matrix reuseport "${common[@]}" --strategies reuseport --io blocking,epoll --workers "$HERD_N" \
    --rate "$HERD_RATE" --repeat 3
  sc_matrix closed "${common[@]}" --strategies shared --io blocking,epoll,epoll-exclusive --workers "$HERD_N" --repeat 3
  # Does loopback change the answer? The open loop at HERD_N workers there too.
  [[ $SC_NET != veth ]] ||
    sc_matrix loopback "${common[@]}" --net loopback --strategies shared --io blocking,epoll,epoll-exclusive \
      --workers "$HERD_N" --rate "$HERD_RATE" --repeat 3
}

# The load of a summary.csv row, for awk (main: the scenario's topology): open or
# closed, "open-loopback" for the loopback check of a veth run.
# shellcheck disable=SC2016  # awk's own $h
HERD_LOAD='
function load(   t) { t = $h["topology"]; sub(/ .*/, "", t)
  return $h["mode"] (t == "loopback" && main != "loopback" ? "-loopback" : "") }
'

# scenario_tables: herd.csv, one row per configuration and load (open, closed,
# open-loopback: medians and ranges over the repeats), and herd_workers.csv, the context switches per
# connection of each worker thread (mean over the repeats) and of the server's other
# threads, from every matrix subfolder's summary.csv and kernel.csv.
scenario_tables() {
  local sums=() pairs=() d
  for d in "$SC_DIR"/open "$SC_DIR"/reuseport "$SC_DIR"/closed "$SC_DIR"/loopback; do
    [[ -f $d/summary.csv ]] || continue
    sums+=("$d/summary.csv") pairs+=("$d/summary.csv" "$d/kernel.csv")
  done
  # An empty context switch column means perf did not count: nothing to report.
  awk -F, -v main="$(note_value net)" "$SC_AWK$HERD_LOAD"'
    FNR == 1 { delete h; hdr(); next }
    {
      if ($h["partial"] == 1 || $h["server_context_switches_per_conn"] == "") next
      k = load() "," $h["strategy"] "," $h["io"] "," $h["workers"]
      if (!(k in n)) order[++nk] = k
      i = ++n[k]
      cs[k, i] = $h["server_context_switches_per_conn"]
      ww[k, i] = $h["server_wasted_wakeups"] / $h["completed"]
      jain[k, i] = $h["jain_index"]; rate[k, i] = $h["conn_per_s"]
      sys[k, i] = $h["server_syscalls_per_conn"]
    }
    END {
      print "load,strategy,io,workers,repeats,cs_per_conn,cs_min,cs_max,wasted_per_conn,syscalls_per_conn,jain_index,conn_per_s"
      for (o = 1; o <= nk; o++) {
        k = order[o]; m = n[k]; lo = hi = cs[k, 1]
        for (i = 1; i <= m; i++) {
          a[i] = cs[k, i]; b[i] = ww[k, i]; c[i] = jain[k, i]; r[i] = rate[k, i]; s[i] = sys[k, i]
          if (cs[k, i] < lo) lo = cs[k, i]; if (cs[k, i] > hi) hi = cs[k, i]
        }
        printf "%s,%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.1f\n", k, m, median(a, m), lo, hi,
               median(b, m), median(s, m), median(c, m), median(r, m)
      }
    }' "${sums[@]}" >"$SC_DIR/herd.csv"
  [[ $(wc -l <"$SC_DIR/herd.csv") -gt 1 ]] ||
    die "no run was counted (kernel_counters: $(note_value kernel_counters))"
  # Per worker: kernel.csv's thread rows with a worker index; the rest (the main
  # thread) is "other". Joined to the run's configuration through summary.csv.
  awk -F, -v main="$(note_value net)" "$SC_AWK$HERD_LOAD"'
    FNR == 1 { delete h; hdr(); file++; next }
    file % 2 == 1 { if ($h["partial"] != 1) cfg[$h["run_id"]] = load() "," $h["strategy"] "," $h["io"] "," $h["workers"]; next }
    $h["side"] == "server" && $h["counter"] == "context_switches" && ($h["run_id"] in cfg) &&
    $h["thread"] != "netns" {
      k = cfg[$h["run_id"]]
      if ($h["thread"] == "all") { runs[k]++; next }
      w = $h["worker"] == "" ? "other" : $h["worker"]
      if (!((k, w) in v)) { keys[++nk] = k SUBSEP w }
      v[k, w] += $h["per_conn"]
    }
    END {
      # perf leaves out a thread that never switched: such a worker counts 0.
      for (k in runs) { split(k, c, ","); for (w = 0; w < c[4]; w++) if (!((k, w) in v)) { keys[++nk] = k SUBSEP w; v[k, w] = 0 } }
      for (i = 1; i <= nk; i++) { split(keys[i], p, SUBSEP); printf "%s,%s,%.4f\n", p[1], p[2], v[p[1], p[2]] / runs[p[1]] }
    }' "${pairs[@]}" >"$SC_DIR/logs/herd_workers.unsorted"
  # Configuration by configuration, workers in order, the other threads last.
  {
    echo "load,strategy,io,workers,worker,cs_per_conn"
    awk -F, '{ print ($5 == "other" ? 1 : 0) "," $0 }' "$SC_DIR/logs/herd_workers.unsorted" |
      sort -t, -k2,2r -k3,3r -k4,4 -k5,5n -k1,1n -k6,6n | cut -d, -f2-
  } >"$SC_DIR/herd_workers.csv"
}

scenario_chart() {
  local series nworkers
  series=$(awk -F, 'NR > 1 && $1 == "open" { s = $2 "/" $3; if (!(s in seen)) { seen[s] = 1; printf "%s%s", (n++ ? " " : ""), s } }' "$SC_DIR/herd.csv")
  # Each series' rows together, by workers: gnuplot breaks a line at another's rows.
  { head -n 1 "$SC_DIR/herd.csv"
    awk -F, 'NR > 1 && $1 == "open"' "$SC_DIR/herd.csv" | sort -t, -k2,2r -k3,3 -k4,4n; } >"$SC_DIR/herd_plot.csv"
  sc_chart herd "Server context switches per connection against the number of idle workers, by strategy and io" <<GP
file = dir.'/herd_plot.csv'
series = '$series'
set title title_with("Wake-ups per connection: one connection at a time ($HERD_RATE/s), every worker asleep when it comes")
set xlabel 'workers waiting (log scale)'
set ylabel 'server context switches per connection (median, range of repeats)'
set logscale x 2
set xtics (1, 2, 4, 8, 16)
set xrange [1.6:10]
set yrange [0:*]
set key outside right top
plot for [i=1:words(series)] file using (strcol("strategy")."/".strcol("io") eq word(series, i) ? column("workers") : 1/0):"cs_per_conn":"cs_min":"cs_max" \
       with yerrorlines lt i pt 7 title word(series, i), \
     x with lines dt 2 lc rgb '#888888' title 'one per waiting worker
GP
  # At HERD_N workers, split by thread: who was woken.
  nworkers=$HERD_N
  awk -F, -v n="$HERD_N" 'NR == 1 { print "group,strategy,io,worker,cs_per_conn,base,top"; next }
    $1 == "open" && $4 == n { g = $2 "/" $3; if (!(g in gi)) { gi[g] = ng++; base = 0 }
              printf "%d,%s,%s,%s,%s,%.4f,%.4f\n", gi[g], $2, $3, $5, $6, base, base + $6; base += $6 }' \
    "$SC_DIR/herd_workers.csv" >"$SC_DIR/herd_workers_plot.csv"
  series=$(awk -F, 'NR > 1 && !seen[$1]++ { printf "%s%s", (n++ ? " " : ""), $2 "/" $3 }' "$SC_DIR/herd_workers_plot.csv")
  sc_chart herd-workers "Server context switches per connection at $HERD_N workers, stacked by thread" <<GP
file = dir.'/herd_workers_plot.csv'
groups = '$series'
ngroups = words(groups)
nworkers = $nworkers
set title title_with("Who was woken: each thread's context switches per connection, $HERD_N workers, one connection at a time ($HERD_RATE/s)")
set ylabel 'server context switches per connection'
set yrange [0:*]
@set_group_xtics
set key outside right top title 'thread'
plot for [w=0:nworkers-1] file using (strcol("worker") eq sprintf("%d", w) ? column("group") : 1/0):(column("base") + column("cs_per_conn") / 2):(0.3):(column("cs_per_conn") / 2) \
       with boxxyerror lt w + 1 title sprintf('worker %d', w), \
     file using (strcol("worker") eq "other" ? column("group") : 1/0):(column("base") + column("cs_per_conn") / 2):(0.3):(column("cs_per_conn") / 2) \
       with boxxyerror lt 8 title 'other threads'
GP
}

scenario_markdown() {
  local f=$SC_DIR/herd.csv
  echo "Server context switches per connection (perf, every server thread, over the measured"
  echo "window): median of the repeats and their range; the ratio is against shared/blocking"
  echo "with the same load and workers. Per worker: each worker thread's switches per"
  echo "connection, worker 0 first (mean over the repeats; \"+\" the server's other threads)."
  echo "Wasted wake-ups: /stats' count of wake-ups that reached the server's code and found no"
  echo "connection. Load: open, $HERD_RATE connections/s with at most 1 open; closed, 1 in flight."
  echo
  echo "| load | configuration | workers | repeats | context switches / conn | range | × shared/blocking | per worker | wasted wake-ups / conn (/stats) | syscalls / conn | Jain's index |"
  echo "|---|---|---:|---:|---:|---|---:|---|---:|---:|---:|"
  awk -F, "$SC_AWK"'
    FNR == 1 { delete h; hdr(); file++; next }
    file == 1 { k = $h["load"] "," $h["strategy"] "," $h["io"] "," $h["workers"]; pw[k] = pw[k] (pw[k] == "" ? "" : " ") ($h["worker"] == "other" ? "+" : "") fmt($h["cs_per_conn"]); next }
    {
      k = $h["load"] "," $h["strategy"] "," $h["io"] "," $h["workers"]; rows[++n] = k
      for (c in h) val[k, c] = $h[c]
      if ($h["strategy"] == "shared" && $h["io"] == "blocking") base[$h["load"], $h["workers"]] = $h["cs_per_conn"]
    }
    END {
      for (i = 1; i <= n; i++) {
        k = rows[i]; split(k, p, ",")
        b = base[p[1], p[4]]; ratio = b > 0 ? sprintf("%.2f", val[k, "cs_per_conn"] / b) : ""
        printf "| %s | %s/%s | %s | %s | %s | %s–%s | %s | %s | %s | %s | %.3f |\n",
               p[1] == "open-loopback" ? "open, on loopback" : p[1], p[2], p[3], p[4],
               val[k, "repeats"], fmt(val[k, "cs_per_conn"]), fmt(val[k, "cs_min"]), fmt(val[k, "cs_max"]),
               ratio, pw[k], sprintf("%.3f", val[k, "wasted_per_conn"]), fmt(val[k, "syscalls_per_conn"]),
               val[k, "jain_index"]
      }
    }' "$SC_DIR/herd_workers.csv" "$f"
  echo
  echo "Derived from the figures (\"within the run-to-run range\": the two ranges overlap):"
  echo
  # One sentence per load and worker count: epoll against each one-waiter way.
  awk -F, "$SC_AWK"'
    NR == 1 { hdr(); next }
    { k = $h["strategy"] "/" $h["io"]; w = $h["load"] "," $h["workers"]; ws[w] = 1
      cs[k, w] = $h["cs_per_conn"]; lo[k, w] = $h["cs_min"]; hi[k, w] = $h["cs_max"]; rep[k, w] = $h["repeats"] }
    function cmp(a, b, w) {
      if (!((a, w) in cs) || !((b, w) in cs)) return ""
      return sprintf("%.1f× %s (%s%s)", cs[a, w] / cs[b, w], b, fmt(cs[b, w]),
                     (rep[a, w] > 1 && lo[a, w] <= hi[b, w] && lo[b, w] <= hi[a, w]) ? ", within the run-to-run range" : "")
    }
    END {
      for (w in ws) if (("shared/epoll", w) in cs) {
        split(w, p, ",")
        line = sprintf("- %s, %s workers: shared/epoll %s context switches per connection, %s",
                       p[1] == "open-loopback" ? "open loop on loopback" : p[1] " loop", p[2],
                       fmt(cs["shared/epoll", w]), cmp("shared/epoll", "shared/blocking", w))
        x = cmp("shared/epoll", "shared/epoll-exclusive", w); if (x != "") line = line ", " x
        x = cmp("shared/epoll", "shared/uring", w); if (x != "") line = line ", " x
        print (p[1] == "open" ? 1 : p[1] == "closed" ? 2 : 3) "\t" p[2] "\t" line "."
      }
    }' "$f" | sort -k1,1n -k2,2n | cut -f3
}
