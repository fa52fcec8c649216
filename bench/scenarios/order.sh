# shellcheck shell=bash
# scenario: wake-up order at light load: each worker's share of the connections with blocking accept (FIFO), epoll and EPOLLEXCLUSIVE (LIFO), and reuseport
# order: 20
# takes: about 1.5 min (--quick: about 15 s)
#
# The question: when the load is a small fraction of what the server can take, which
# worker gets each connection? A blocking accept() on a shared listener serves the
# waiters first come first served (FIFO: every worker gets its turn); epoll, with
# EPOLLEXCLUSIVE too, wakes the most recently added waiter first (LIFO: the worker
# that just went back to sleep takes the next connection, so one takes most).
#
# The design: ORDER_WORKERS workers; shared with blocking, epoll and epoll-exclusive,
# and reuseport with epoll (a listener per worker, chosen by the 4-tuple hash); open
# loop, one HTTP request per connection, at two light loads: ORDER_LOW connections/s
# with at most 1 open (every worker asleep when a connection comes), and ORDER_HIGH/s
# with at most 50 open (matrix.sh's default; several in flight at times, still a
# fraction of capacity). Each worker's
# share of the connections it accepted (/stats; workers_agg.csv, median over the
# repeats), Jain's index and the busiest worker's share against the idlest's. 2
# interleaved repeats of 1 s after 0.3 s of warm-up, on the default topology.
# --quick: ORDER_LOW only, shared blocking and epoll-exclusive, 1 repeat of 0.5 s.

ORDER_WORKERS=4
ORDER_LOW=300
ORDER_HIGH=3000

scenario_run() {
  local -a common=(--workers "$ORDER_WORKERS" --duration 1s --warmup 300ms --label order)
  if [[ $SC_QUICK == 1 ]]; then
    sc_matrix low --workers "$ORDER_WORKERS" --duration 500ms --warmup 200ms --label order \
      --strategies shared --io blocking,epoll-exclusive --rate "$ORDER_LOW" --connections 1 --repeat 1
    return
  fi
  sc_matrix low "${common[@]}" --strategies shared,reuseport --io blocking,epoll,epoll-exclusive \
    --rate "$ORDER_LOW" --connections 1 --repeat 2
  sc_matrix high "${common[@]}" --strategies shared,reuseport --io blocking,epoll,epoll-exclusive \
    --rate "$ORDER_HIGH" --repeat 2
}

# scenario_tables: order.csv, one row per load and configuration: the workers' shares
# from the busiest down (space-separated), the busiest and the idlest share, their
# ratio, Jain's index (median), connections per second.
scenario_tables() {
  local d
  {
    echo "rate,strategy,io,workers,shares_desc,top_share,bottom_share,top_bottom,jain_index,conn_per_s"
    for d in "$SC_DIR"/low "$SC_DIR"/high; do
      [[ -f $d/workers_agg.csv ]] || continue
      awk -F, "$SC_AWK"'
        FNR == 1 { delete h; hdr(); file++; next }
        file == 1 { k = $h["strategy"] "," $h["io"] "," $h["workers"]; j[k] = $h["jain_index"]; c[k] = $h["conn_per_s"]; next }
        { k = $h["strategy"] "," $h["io"] "," $h["workers"]; if (!(k in n)) { o[++nk] = k; r[k] = $h["rate"] }
          s[k, ++n[k]] = $h["share"] }
        END { for (q = 1; q <= nk; q++) { k = o[q]; m = n[k]
                for (i = 1; i <= m; i++) a[i] = s[k, i]
                for (i = 1; i <= m; i++) for (x = i + 1; x <= m; x++) if (a[x] > a[i]) { t = a[i]; a[i] = a[x]; a[x] = t }
                l = ""; for (i = 1; i <= m; i++) l = l (i > 1 ? " " : "") sprintf("%.3f", a[i])
                printf "%s,%s,%s,%.3f,%.3f,%s,%s,%s\n", r[k], k, l, a[1], a[m], (a[m] > 0 ? sprintf("%.2f", a[1] / a[m]) : "inf"), j[k], c[k] } }' \
        "$d/aggregate.csv" "$d/workers_agg.csv"
    done
  } >"$SC_DIR/order.csv"
  [[ $(wc -l <"$SC_DIR/order.csv") -gt 1 ]] || die "no run in $SC_DIR"
}

scenario_chart() {
  # One group per load and configuration; a point per worker, busiest first.
  awk -F, 'NR == 1 { print "group,label,rank,share"; next }
    { g++; n = split($5, s, " "); for (i = 1; i <= n; i++) printf "%d,%s/%s %s/s,%d,%s\n", g - 1, $2, $3, $1, i, s[i] }' \
    "$SC_DIR/order.csv" >"$SC_DIR/order_plot.csv"
  local xt
  xt=$(awk -F, 'NR > 1 && $3 == 1 { printf "%s\"%s\" %d", (n++ ? ", " : ""), $2, $1 }' "$SC_DIR/order_plot.csv")
  sc_chart order "Each worker's share of the connections, busiest first, per configuration and load, $ORDER_WORKERS workers" <<GP
file = dir.'/order_plot.csv'
set title title_with("Who gets the connections at light load: each of $ORDER_WORKERS workers' share, busiest first")
set ylabel 'share of the connections accepted (median of repeats)'
set yrange [0:1.05]
set xtics ($xt) rotate by -30
set key outside right top title 'worker, by share'
plot for [r=1:$ORDER_WORKERS] file using (column("rank") == r ? column("group") + (r - 2.5) * 0.12 : 1/0):"share" with points pt 7 ps 1.3 lt r title sprintf('%s', r == 1 ? 'busiest' : r == $ORDER_WORKERS ? 'idlest' : sprintf('%d.', r)), \
     1.0 / $ORDER_WORKERS with lines dt 2 lc rgb '#888888' title 'even share'
GP
}

scenario_markdown() {
  local f=$SC_DIR/order.csv
  echo "$ORDER_WORKERS workers; open loop, one request per connection: $ORDER_LOW/s with at most 1 open, and"
  echo "$ORDER_HIGH/s with at most 50 open. Shares: connections each worker accepted in the window (/stats),"
  echo "median over the repeats, from the busiest down."
  echo
  echo "| load | configuration | shares, busiest first | busiest / idlest | Jain's index | conn/s |"
  echo "|---|---|---|---:|---:|---:|"
  awk -F, -v low="$ORDER_LOW" "$SC_AWK"'
    NR == 1 { hdr(); next }
    { printf "| %s/s, %s | %s/%s | %s | %s | %.3f | %s |\n", $h["rate"], ($h["rate"] == low ? "1 open" : "at most 50 open"), $h["strategy"], $h["io"],
        $h["shares_desc"], $h["top_bottom"], $h["jain_index"], fmt($h["conn_per_s"]) }' "$f"
  echo
  echo "Derived from the figures:"
  echo
  awk -F, -v n="$ORDER_WORKERS" "$SC_AWK"'
    NR == 1 { hdr(); next }
    { printf "- %s/s, %s/%s: the busiest worker took %.0f%% of the connections (an even share is %.0f%%), the idlest %.0f%%.\n",
        $h["rate"], $h["strategy"], $h["io"], 100 * $h["top_share"], 100 / n, 100 * $h["bottom_share"] }' "$f"
}
