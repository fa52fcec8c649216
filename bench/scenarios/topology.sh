# shellcheck shell=bash
# scenario: topology: the default comparison (pool, shared, reuseport x blocking, epoll) on loopback and on the veth pair side by side: which conclusions change
# order: 80
# needs: netns
# takes: about 70 s (--quick: about 22 s)
#
# The question: most accept benchmarks run client and server on one host over
# loopback, where the client's sending, the server's receive work and the server
# share CPUs and the packets never leave a socket buffer copy. Which of the default
# comparison's conclusions (throughput order, fairness, latency) change when the client
# sits behind a veth pair in its own network namespace with each side's receive work
# on its own CPUs, as on two hosts (bench/lib/net.sh)?
#
# The design: matrix.sh's default comparison (strategies pool, shared, reuseport;
# io blocking, epoll; 4 workers; closed loop, 50 connections in flight, one request
# each), --net loopback and --net veth, TOPO_REPEATS interleaved repeats of 1 s after
# 0.3 s of warm-up each. The needs are veth's (root, ip): without them there is no
# second topology to compare. --quick: shared and reuseport with epoll, 1 repeat of
# 0.5 s on each.

TOPO_REPEATS=2

scenario_run() {
  local -a common=(--duration 1s --warmup 300ms --repeat "$TOPO_REPEATS" --label topology)
  # shellcheck disable=SC2054  # matrix.sh's lists are comma-separated
  [[ $SC_QUICK == 0 ]] || common=(--duration 500ms --warmup 200ms --repeat 1 --label topology --strategies shared,reuseport --io epoll)
  [[ $SC_NET == veth ]] || die "the veth topology could not be set up here, so there is nothing to compare loopback with"
  sc_matrix veth "${common[@]}"
  sc_matrix loopback "${common[@]}" --net loopback
  sc_note topology "both: loopback, and $(sed -n 's/^topology: //p' "$SC_DIR/veth/env.txt")"
}

# scenario_tables: topology.csv, one row per configuration: conn/s (median, range),
# Jain's index (median, range), p99 latency, server CPU per 1k connections (host,
# softirq included), on each topology.
scenario_tables() {
  awk -F, "$SC_AWK"'
    FNR == 1 { delete h; hdr(); t = (FILENAME ~ /\/loopback\//) ? "loopback" : "veth"; next }
    { k = $h["strategy"] "/" $h["io"]; if (!(k in seen)) { seen[k] = 1; o[++n] = k }
      for (c in want) v[k, t, c] = $h[c] }
    BEGIN { split("conn_per_s conn_per_s_min conn_per_s_max jain_index jain_index_min jain_index_max total_p99_us server_host_ms_per_1k repeats", w, " ")
            for (i in w) want[w[i]] = 1 }
    END {
      printf "configuration"
      for (t = 1; t <= 2; t++) { tn = t == 1 ? "loopback" : "veth"
        printf ",%s_conn_per_s,%s_conn_per_s_min,%s_conn_per_s_max,%s_jain,%s_jain_min,%s_jain_max,%s_p99_us,%s_server_ms_per_1k,%s_repeats", tn, tn, tn, tn, tn, tn, tn, tn, tn }
      print ""
      for (i = 1; i <= n; i++) { k = o[i]; printf "%s", k
        for (t = 1; t <= 2; t++) { tn = t == 1 ? "loopback" : "veth"
          printf ",%s,%s,%s,%s,%s,%s,%s,%s,%s", v[k, tn, "conn_per_s"], v[k, tn, "conn_per_s_min"], v[k, tn, "conn_per_s_max"],
                 v[k, tn, "jain_index"], v[k, tn, "jain_index_min"], v[k, tn, "jain_index_max"], v[k, tn, "total_p99_us"], v[k, tn, "server_host_ms_per_1k"],
                 v[k, tn, "repeats"] }
        print "" }
    }' "$SC_DIR/loopback/aggregate.csv" "$SC_DIR/veth/aggregate.csv" >"$SC_DIR/topology.csv"
  [[ $(wc -l <"$SC_DIR/topology.csv") -gt 1 ]] || die "no configuration in $SC_DIR"
}

scenario_chart() {
  sc_chart topology "Connections per second and Jain's index of each configuration on loopback and on the veth pair" <<'GP'
file = dir.'/topology.csv'
set title title_with("The default comparison on two topologies: throughput (bars) and fairness (points)")
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set ylabel 'connections per second (median, range of repeats)'
set y2label "Jain's index (median)"
set yrange [0:*]
set y2range [0:1.05]
set y2tics
set xtics rotate by -20
set key outside right top
plot file using "loopback_conn_per_s":"loopback_conn_per_s_min":"loopback_conn_per_s_max":xtic(1) lt 1 title 'loopback: conn/s', \
     '' using "veth_conn_per_s":"veth_conn_per_s_min":"veth_conn_per_s_max" lt 2 title 'veth: conn/s', \
     '' using ($0 - 0.17):"loopback_jain" axes x1y2 with points pt 7 ps 1.5 lt 1 lc rgb '#000000' title "loopback: Jain's index", \
     '' using ($0 + 0.17):"veth_jain" axes x1y2 with points pt 5 ps 1.5 lt 2 lc rgb '#555555' title "veth: Jain's index"
GP
}

scenario_markdown() {
  local f=$SC_DIR/topology.csv
  echo "matrix.sh's default comparison, closed loop, 50 connections in flight, one request each, on"
  echo "both topologies (medians of the repeats; range in brackets where there are several)."
  echo
  echo "| configuration | conn/s, loopback | conn/s, veth | veth / loopback | Jain, loopback | Jain, veth | p99 ms, loopback | p99 ms, veth | server CPU ms / 1k conn, loopback | veth |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F, "$SC_AWK"'
    NR == 1 { hdr(); next }
    function rg(c) { return $h[c "_min"] == $h[c "_max"] ? "" : " (" fmt($h[c "_min"]) "–" fmt($h[c "_max"]) ")" }
    { printf "| %s | %s%s | %s%s | %.2f | %.3f | %.3f | %.2f | %.2f | %s | %s |\n", $1,
        fmt($h["loopback_conn_per_s"]), rg("loopback_conn_per_s"), fmt($h["veth_conn_per_s"]), rg("veth_conn_per_s"),
        ($h["loopback_conn_per_s"] > 0 ? $h["veth_conn_per_s"] / $h["loopback_conn_per_s"] : 0),
        $h["loopback_jain"], $h["veth_jain"], $h["loopback_p99_us"] / 1000, $h["veth_p99_us"] / 1000,
        fmt($h["loopback_server_ms_per_1k"]), fmt($h["veth_server_ms_per_1k"]) }' "$f"
  echo
  echo "Derived from the figures (\"within the run-to-run range\": the two ranges overlap):"
  echo
  awk -F, "$SC_AWK"'
    NR == 1 { hdr(); next }
    { n++; k[n] = $1; for (t = 1; t <= 2; t++) { tn = t == 1 ? "loopback" : "veth"
        r[tn, n] = $h[tn "_conn_per_s"]; lo[tn, n] = $h[tn "_conn_per_s_min"]; hi[tn, n] = $h[tn "_conn_per_s_max"]
        j[tn, n] = $h[tn "_jain"]; jl[tn, n] = $h[tn "_jain_min"]; jh[tn, n] = $h[tn "_jain_max"]; rp[tn, n] = $h[tn "_repeats"] } }
    function order(tn,   i, x, s, idx, tmp) {
      for (i = 1; i <= n; i++) idx[i] = i
      for (i = 1; i <= n; i++) for (x = i + 1; x <= n; x++) if (r[tn, idx[x]] > r[tn, idx[i]]) { tmp = idx[i]; idx[i] = idx[x]; idx[x] = tmp }
      s = ""; for (i = 1; i <= n; i++) s = s (i > 1 ? (lo[tn, idx[i - 1]] <= hi[tn, idx[i]] ? " ≈ " : " > ") : "") k[idx[i]] " (" fmt(r[tn, idx[i]]) ")"
      return s }
    END {
      printf "- Throughput order, loopback: %s.\n", order("loopback")
      printf "- Throughput order, veth: %s.\n", order("veth")
      print "  (\"≈\": the neighbours'"'"' ranges overlap; with one repeat there is no range.)"
      for (i = 1; i <= n; i++) {
        ov = jl["loopback", i] <= jh["veth", i] && jl["veth", i] <= jh["loopback", i]
        printf "- %s: Jain %.3f on loopback, %.3f on veth (%s).\n", k[i], j["loopback", i], j["veth", i],
          ((rp["loopback", i] < 2 || rp["veth", i] < 2) ? "one repeat: no run-to-run range" : ov ? "within the run-to-run range" : "the ranges do not overlap")
      }
    }' "$f"
}
