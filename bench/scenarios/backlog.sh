# shellcheck shell=bash
# scenario: backlog overflow: listen backlog 5 against the default, open loop above capacity: drops, SYN retransmissions, connect-time modes; wrk beside it
# order: 50
# needs: netns
# takes: about 45 s (--quick: about 10 s)
#
# The question: what does a listen backlog too small for the server's pace cost a
# client? The kernel drops the SYNs (or final ACKs) its full accept queue cannot take
# (TcpExtListenOverflows, ListenDrops) and the client retransmits them after its SYN
# timeout, so connections complete whole seconds late, which a tool whose latency
# starts after connect (wrk) never sees.
#
# The design: one worker (shared, blocking: one connection at a time) with a handler
# of BL_WORK_US of busy time per request, so its capacity is at most 1e6 / BL_WORK_US
# connections/s on any machine (the busy time is wall-clock time); an open-loop rate
# of 1.5 times that for 3 s; --timeout 10 s. Run with --backlog 5 (the seed
# experiment's) and with the default (4096, capped by the server namespace's
# somaxconn), and, where this kernel has net.ipv4.tcp_syn_linear_timeouts, once more
# with backlog 5 and that set to 0 in the client's namespace (the classic exponential
# SYN timeouts). The drop counters come from the namespaces' counters
# (acceptbench-load --kernel-counters, which needs no perf for them); the connect
# times from latency.csv. Then, with each backlog, closed loop with 16 connections in
# flight for 3 s, by acceptbench-load and by wrk (Connection: close, so each request
# is a new connection), the server's drop counters read around each.
# --quick: backlog 5 and the default, open loop only, 1 s, --timeout 3 s.

BL_WORK_US=5000
BL_WORKERS=1
BL_CLOSED=16

# bl_server BACKLOG: the server of every run (BACKLOG "default": no --backlog).
bl_server() {
  local -a opt=(--strategy shared --io blocking --workers "$BL_WORKERS" --work-us "$BL_WORK_US")
  [[ $1 == default ]] || opt+=(--backlog "$1")
  sc_server_start "server-$1" "${opt[@]}"
}

# bl_wrk VARIANT BACKLOG SECONDS: wrk closed loop against the running server, one row
# of wrk.csv; the server namespace's drop counters around it.
bl_wrk() {
  local variant=$1 backlog=$2 secs=$3 before after log=$SC_DIR/logs/wrk-$1.log rc=0
  before=$(sc_tcp server ListenOverflows ListenDrops)
  sc_wait "$log" "${SC_CRUN[@]}" "${SC_CPIN[@]}" timeout $((secs + 30)) wrk -t 1 -c "$BL_CLOSED" \
    -d "${secs}s" --timeout 10s --latency -H 'Connection: close' "http://$SC_ADDR:$SC_PORT/hello" || rc=$?
  [[ $rc -eq 0 ]] || die "wrk failed (exit $rc): $(tail -n 3 "$log")"
  after=$(sc_tcp server ListenOverflows ListenDrops)
  [[ -f $SC_DIR/wrk.csv ]] ||
    echo "variant,backlog,connections,duration_s,requests,req_per_s,latency_p50_us,latency_p90_us,latency_p99_us,latency_max_us,errors_connect,errors_read,errors_write,errors_timeout,listen_overflows,listen_drops" >"$SC_DIR/wrk.csv"
  # wrk prints times with a unit (us, ms, s, m): microseconds here.
  awk -v variant="$variant" -v backlog="$backlog" -v c="$BL_CLOSED" -v before="$before" -v after="$after" '
    function us(t) { if (t ~ /us$/) return t + 0; if (t ~ /ms$/) return t * 1000; if (t ~ /m$/) return t * 60e6; return t * 1e6 }
    $1 == "Latency" && NF >= 4 { max = us($4) }
    $1 == "50%" { p50 = us($2) } $1 == "90%" { p90 = us($2) } $1 == "99%" { p99 = us($2) }
    / requests in / { req = $1; d = $4; sub(/s,$/, "", d) }
    /Socket errors:/ { gsub(/,/, ""); ec = $4; er = $6; ew = $8; et = $10 }
    /^Requests\/sec:/ { rps = $2 }
    END { split(before, b, " "); split(after, a, " ")
          printf "%s,%s,%d,%s,%d,%s,%.0f,%.0f,%.0f,%.0f,%d,%d,%d,%d,%d,%d\n", variant, backlog, c, d, req, rps,
                 p50, p90, p99, max, ec, er, ew, et, a[1] - b[1], a[2] - b[2] }' "$log" >>"$SC_DIR/wrk.csv"
}

scenario_run() {
  local secs=3 timeout=10 rate variants v backlog linear have_linear="" somaxconn
  [[ $SC_QUICK == 0 ]] || secs=1 timeout=3
  rate=$((1500000 / BL_WORK_US))   # 1.5 x the capacity, 1e6 / BL_WORK_US
  sc_hosts_up
  somaxconn=$("${SC_SRUN[@]}" sysctl -n net.core.somaxconn)
  linear=$("${SC_CRUN[@]}" sysctl -n net.ipv4.tcp_syn_linear_timeouts 2>/dev/null) && have_linear=yes
  sc_note somaxconn "$somaxconn"
  sc_note tcp_syn_linear_timeouts "${linear:-absent}"
  sc_note rate "$rate"
  sc_note timeout_s "$timeout"
  sc_note duration_s "$secs"
  # The perf tracepoint holder, where perf counts: each run's perf then stops at once.
  if kcount_check; then kcount_hold_start; fi
  variants="b5 default"
  [[ $SC_QUICK == 1 || -z $have_linear || $linear == 0 ]] || variants="b5 b5-exp default"
  for v in $variants; do
    backlog=${v%-exp}
    backlog=${backlog#b}
    bl_server "$backlog"
    [[ $v != *-exp ]] || "${SC_CRUN[@]}" sysctl -qw net.ipv4.tcp_syn_linear_timeouts=0
    sc_say "$v: open loop, $rate conn/s for $secs s (capacity at most $((1000000 / BL_WORK_US)) conn/s)"
    sc_load "open-$v" --rate "$rate" --duration "${secs}s" --timeout "${timeout}s" --threads 1
    [[ $v != *-exp ]] || "${SC_CRUN[@]}" sysctl -qw net.ipv4.tcp_syn_linear_timeouts="$linear"
    if [[ $SC_QUICK == 0 && $v != *-exp ]]; then
      sc_say "$v: closed loop, $BL_CLOSED connections in flight for $secs s: acceptbench-load, then wrk"
      sc_load "closed-$v" --connections "$BL_CLOSED" --duration "${secs}s" --timeout "${timeout}s" --threads 1
      if command -v wrk >/dev/null; then
        bl_wrk "$v" "$backlog" "$secs"
      else
        sc_note wrk "not installed (apt-get install wrk): its half of the comparison is left out"
      fi
    fi
    sc_server_stop
  done
}

# bl_tables: backlog.csv (one row per open-loop run: counters, connect percentiles,
# connections per whole second of connect time) and backlog_hist.csv (connections
# per 100 ms of connect time), from load/summary.csv and load/latency.csv. latency.csv
# holds HdrHistogram's percentile rows: the connections between two rows are counted
# at the upper row's value.
scenario_tables() {
  awk -F, "$SC_AWK"'
    FNR == 1 { delete h; hdr(); file++; next }
    file == 1 { if ($h["metric"] != "connect" || $h["label"] !~ /^open-/) next
                l = $h["label"]; d = $h["count"] - prev[l]; prev[l] = $h["count"]
                if (d <= 0) next
                v = $h["value_us"] / 1e6
                bin[l, int(v * 10)] += d; if (int(v * 10) > top[l]) top[l] = int(v * 10)
                if (v >= 0.5) { s = int(v + 0.5); mode[l, s] += d; if (s > smax[l]) smax[l] = s }
                next }
    $h["label"] ~ /^open-/ {
      l = $h["label"]; labels[++n] = l
      e = 0; for (c in h) if (c ~ /^errors_/ && c != "errors_timeout") e += $h[c]
      m = ""; for (s = 1; s <= smax[l]; s++) if (mode[l, s]) m = m (m == "" ? "" : " ") s "s:" mode[l, s]
      # Still open when the generator stopped waiting (a partial row): in no other column.
      u = $h["partial"] == 1 ? $h["sched_starts"] - $h["completed"] - $h["errors_timeout"] - e : 0
      row[l] = sprintf("%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s", substr(l, 6),
        $h["rate"], $h["sched_starts"], $h["completed"], $h["errors_timeout"], e, u,
        $h["tcp_listen_overflows"], $h["tcp_listen_drops"], $h["tcp_syn_retrans"],
        $h["connect_p50_us"], $h["connect_p90_us"], $h["connect_p99_us"], $h["connect_max_us"],
        $h["first_byte_p50_us"], $h["first_byte_p99_us"], $h["first_byte_max_us"], m)
    }
    END {
      print "variant,rate,scheduled,completed,errors_timeout,errors_other,unfinished,listen_overflows,listen_drops,syn_retrans,connect_p50_us,connect_p90_us,connect_p99_us,connect_max_us,first_byte_p50_us,first_byte_p99_us,first_byte_max_us,connect_modes" > out1
      print "variant,bin_s,connections" > out2
      for (i = 1; i <= n; i++) {
        l = labels[i]; print row[l] > out1
        for (b = 0; b <= top[l]; b++) printf "%s,%.1f,%d\n", substr(l, 6), b / 10, bin[l, b] > out2
      }
    }' out1="$SC_DIR/backlog.csv" out2="$SC_DIR/backlog_hist.csv" "$SC_DIR/load/latency.csv" "$SC_DIR/load/summary.csv"
}

# bl_describe VARIANT: its words for tables and charts.
bl_describe() {
  local linear
  linear=$(note_value tcp_syn_linear_timeouts)
  case $1 in
    b5) echo "backlog 5, tcp_syn_linear_timeouts=$linear (this kernel's setting)" ;;
    b5-exp) echo "backlog 5, tcp_syn_linear_timeouts=0 (exponential SYN timeouts)" ;;
    default) echo "default backlog (4096, somaxconn $(note_value somaxconn))" ;;
  esac
}

scenario_chart() {
  local v n=0 panels="" variants title
  variants=$(awk -F, 'NR > 1 { printf "%s%s", (n++ ? " " : ""), $1 }' "$SC_DIR/backlog.csv")
  for v in $variants; do
    n=$((n + 1))
    title="$(bl_describe "$v"): $(awk -F, -v v="$v" '$1 == v { printf "%s of %s connections completed, %s ListenOverflows, %s SYN retransmits", $4, $3, $8, $10 }' "$SC_DIR/backlog.csv")"
    panels+="set title \"${title//\"/}\" noenhanced
plot file using (strcol('variant') eq '$v' ? column('bin_s') + 0.05 : 1/0):'connections' with boxes lt $n notitle
"
  done
  sc_chart backlog "Connections by connect time, open loop above capacity, per backlog" <<GP
file = dir.'/backlog_hist.csv'
set multiplot layout $n,1 title title_with("Connect time in 100 ms bins, open loop at 1.5 × capacity: SYN drops come back whole seconds later")
set logscale y
set yrange [0.8:*]
set xrange [0:$(awk -F, 'NR > 1 && $3 > 0 && $2 > m { m = $2 } END { print int(m) + 1 }' "$SC_DIR/backlog_hist.csv")]
set xtics 1
set mxtics 10
set boxwidth 0.09
set ylabel 'connections'
set xlabel 'connect time (s): connect() to established'
$panels
unset multiplot
GP
  [[ -f $SC_DIR/wrk.csv ]] || return 0
  # Closed loop: acceptbench-load's connect and total time against wrk's latency.
  awk -F, "$SC_AWK"'
    FNR == 1 { delete h; hdr(); file++; next }
    file == 1 { if ($h["label"] ~ /^closed-/) { v = substr($h["label"], 8)
                  lc[v] = $h["connect_p99_us"]; lcm[v] = $h["connect_max_us"]; lt[v] = $h["total_p99_us"]; ltm[v] = $h["total_max_us"] }
                next }
    { wp[$h["variant"]] = $h["latency_p99_us"]; wm[$h["variant"]] = $h["latency_max_us"]; vs[++n] = $h["variant"] }
    END {
      print "group,acceptbench-load connect p99,acceptbench-load connect max,acceptbench-load total p99,acceptbench-load total max,wrk latency p99,wrk latency max"
      for (i = 1; i <= n; i++) { v = vs[i]
        printf "%s,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f\n", (v == "b5" ? "backlog 5" : "default backlog"),
               lc[v] / 1000, lcm[v] / 1000, lt[v] / 1000, ltm[v] / 1000, wp[v] / 1000, wm[v] / 1000 }
    }' "$SC_DIR/load/summary.csv" "$SC_DIR/wrk.csv" >"$SC_DIR/backlog_tools.csv"
  sc_chart backlog-tools "acceptbench-load's connect and total times against wrk's latency, closed loop, per backlog" <<GP
file = dir.'/backlog_tools.csv'
set title title_with("Closed loop, $BL_CLOSED connections in flight: what each tool's latency sees")
set style data histogram
set style histogram clustered gap 1
set logscale y
set yrange [1:*]
set ylabel 'milliseconds (log scale)'
set xtics noenhanced
set key outside right top
plot for [c=2:7] file using c:xtic(1) lt c - 1 title columnheader(c)
GP
}

scenario_markdown() {
  local f=$SC_DIR/backlog.csv v
  echo "Open loop: $(note_value rate) new connections/s for $(note_value duration_s) s against one worker whose"
  echo "handler takes ${BL_WORK_US} µs (capacity at most $((1000000 / BL_WORK_US)) connections/s), --timeout"
  echo "$(note_value timeout_s) s. Counters: the server's and the client's network namespaces over the"
  echo "window; connections by connect time: whole seconds, from latency.csv's connect rows."
  echo
  echo "| run | scheduled | completed | timed out | still open at the end | ListenOverflows | ListenDrops | SYN retransmits | connect p50 | connect p90 | connect p99 | connect max | first byte p50 | first byte p99 | connections by connect time |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  while IFS=, read -r v _ sch comp tmo _ unf ovf drp syn c50 c90 c99 cmax f50 f99 _ modes; do
    [[ $v != variant ]] || continue
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(bl_describe "$v")" \
      "$sch" "$comp" "$tmo" "$unf" "$ovf" "$drp" "$syn" "$(bl_time "$c50")" "$(bl_time "$c90")" \
      "$(bl_time "$c99")" "$(bl_time "$cmax")" "$(bl_time "$f50")" "$(bl_time "$f99")" "$(bl_modes "$modes")"
  done <"$f"
  if awk -F, 'NR > 1 && $7 > 0 { found = 1 } END { exit !found }' "$f"; then
    echo
    echo "Still open at the end: connections the load generator stopped waiting for, --timeout"
    echo "+ 1 s after its window (its row is marked partial); they are in no other column."
  fi
  if [[ -f $SC_DIR/wrk.csv ]]; then
    echo
    echo "Closed loop, $BL_CLOSED connections in flight for $(note_value duration_s) s, each tool on its own"
    echo "(acceptbench-load waits for the connections still open at the end; wrk does not count them):"
    echo
    echo "| backlog | tool | completed | per s | its latency p50 | p99 | max | connect p99 | connect max | ListenOverflows in its run | errors |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    awk -F, "$SC_AWK"'
      function t(us) { return us == "" ? "" : us >= 1e6 ? sprintf("%.2f s", us / 1e6) : us >= 1000 ? sprintf("%.1f ms", us / 1000) : sprintf("%d µs", us) }
      FNR == 1 { delete h; hdr(); file++; next }
      file == 1 { if ($h["label"] !~ /^closed-/) next
                  v = substr($h["label"], 8); e = 0; for (c in h) if (c ~ /^errors_/) e += $h[c]
                  load[v] = sprintf("| %s | acceptbench-load (total: connect() to last byte) | %s | %.0f | %s | %s | %s | %s | %s | %s | %s |",
                    v == "b5" ? "5" : "default", $h["completed"], $h["conn_per_s"], t($h["total_p50_us"]), t($h["total_p99_us"]),
                    t($h["total_max_us"]), t($h["connect_p99_us"]), t($h["connect_max_us"]), $h["tcp_listen_overflows"], e " errors"); next }
      { v = $h["variant"]; vs[++n] = v
        wrk[v] = sprintf("| %s | wrk (request written to reply) | %s | %.0f | %s | %s | %s | not measured | not measured | %s | connect %d, read %d, write %d, timeout %d |",
          v == "b5" ? "5" : "default", $h["requests"], $h["req_per_s"], t($h["latency_p50_us"]), t($h["latency_p99_us"]),
          t($h["latency_max_us"]), $h["listen_overflows"], $h["errors_connect"], $h["errors_read"], $h["errors_write"], $h["errors_timeout"]) }
      END { for (i = 1; i <= n; i++) { print load[vs[i]]; print wrk[vs[i]] } }' "$SC_DIR/load/summary.csv" "$SC_DIR/wrk.csv"
  elif [[ -n $(note_value wrk) ]]; then
    echo
    echo "wrk: $(note_value wrk)."
  fi
  echo
  echo "Derived from the figures:"
  echo
  awk -F, '
    NR == 1 { next }
    { ovf[$1] = $8; drp[$1] = $9; syn[$1] = $10; modes[$1] = $18; comp[$1] = $4; sch[$1] = $3 }
    END {
      if ("b5" in ovf && "default" in ovf)
        printf "- Backlog 5: %d ListenOverflows and %d ListenDrops in the server'"'"'s namespace, %d SYN retransmits; the default backlog: %d, %d and %d.\n",
               ovf["b5"], drp["b5"], syn["b5"], ovf["default"], drp["default"], syn["default"]
      for (v in modes) if (modes[v] != "") {
        n = split(modes[v], m, " "); k = 0; t = ""
        for (i = 1; i <= n; i++) { split(m[i], p, "s:"); k += p[2]; t = t (i > 1 ? ", " : "") p[1] " s: " p[2] }
        printf "- %s: %d of %d completed connections (%.0f%%) connected only after one or more SYN retransmissions, at whole seconds (%s).\n",
               v, k, comp[v], 100 * k / comp[v], t
      }
    }' "$f" | sed -e 's/^- b5-exp:/- Backlog 5 with exponential SYN timeouts:/' -e 's/^- b5:/- Backlog 5:/' -e 's/^- default:/- Default backlog:/'
}

# bl_modes "1s:120 2s:86": "1 s: 120, 2 s: 86" (or that there were none).
bl_modes() {
  [[ -n $1 ]] || { echo "none ≥ 0.5 s"; return; }
  awk -v m="$1" 'BEGIN { n = split(m, a, " "); for (i = 1; i <= n; i++) { split(a[i], p, "s:"); printf "%s%s s: %s", (i > 1 ? ", " : ""), p[1], p[2] }; print "" }'
}

# bl_time US: microseconds as a readable time.
bl_time() {
  awk -v us="$1" 'BEGIN { if (us == "") print ""; else if (us >= 1e6) printf "%.2f s\n", us / 1e6;
                          else if (us >= 1000) printf "%.1f ms\n", us / 1000; else printf "%d µs\n", us }'
}
