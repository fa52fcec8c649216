# shellcheck shell=bash
# scenario: source addresses: reuseport's 4-tuple hash with 1 client address against 16, a few long flows and many short ones: how evenly the workers get them
# order: 70
# needs: netns
# takes: about 75 s (--quick: about 30 s)
#
# The question: SO_REUSEPORT picks a group's listener by a hash of the connection's
# 4-tuple. How evenly does that spread a small number of flows over the workers, and
# does it help to widen the 4-tuples with more client addresses (acceptbench-load
# --source-ips)?
#
# The design: reuseport, blocking, SA_WORKERS workers, on loopback in a network
# namespace of the run's own, whatever the default topology: the veth topology gives
# the client one address (198.18.0.2), so 16 source addresses exist only on loopback
# (127.0.0.1-16). Two loads, each with 1 source address (127.0.0.1) and with 16
# (127.0.0.1-16), alternating:
#   flows: exactly SA_FLOWS keep-alive connections (--count), all open at once, each
#          making SA_REQUESTS requests: SA_FLOWS 4-tuples hashed per run;
#          SA_FLOW_REPEATS runs, each with new source ports: each run one draw of
#          the hash.
#   short: SA_FLOWS connections in flight, one request each, for 1 s: thousands of
#          4-tuples per run; 2 runs.
# Per run: the connections each worker accepted (/stats, workers.csv
# server_accepted), their Jain's index and max/min; for the flows, beside them what
# placing SA_FLOWS flows on SA_WORKERS workers uniformly at random gives (every
# placement enumerated). --quick: 2 flow runs and 1 short run per address count.

SA_WORKERS=4
SA_FLOWS=8
SA_FLOW_REPEATS=8
SA_REQUESTS=1000   # per flow: a few tenths of a second of keep-alive requests

scenario_run() {
  local reps=$SA_FLOW_REPEATS short_reps=2 i ips
  [[ $SC_QUICK == 0 ]] || reps=2 short_reps=1
  # Loopback whatever the default: only there does the client have 16 addresses.
  SC_NET=loopback sc_hosts_up
  sc_note pinning "server on CPUs ${SC_SERVER_CPUS:-any}, load generator on ${SC_CLIENT_CPUS:-any}"
  sc_note design "reuseport/blocking, $SA_WORKERS workers; flows: $SA_FLOWS keep-alive connections of $SA_REQUESTS requests x $reps runs; short: $SA_FLOWS in flight, 1 request each, $short_reps runs of 1 s; 1 and 16 source addresses alternating"
  sc_server_start server --strategy reuseport --io blocking --workers "$SA_WORKERS"
  for ((i = 1; i <= reps; i++)); do
    for ips in 1 16; do
      sc_load "flows-a$ips-r$i" --source-ips "$(sa_ips "$ips")" --connections "$SA_FLOWS" \
        --count "$SA_FLOWS" --threads 1 --requests-per-conn "$SA_REQUESTS"
    done
  done
  for ((i = 1; i <= short_reps; i++)); do
    for ips in 1 16; do
      sc_load "short-a$ips-r$i" --source-ips "$(sa_ips "$ips")" --connections "$SA_FLOWS" \
        --threads 1 --duration 1s --warmup 200ms
    done
  done
  sc_server_stop
}

# sa_ips N: the --source-ips list of N loopback addresses.
sa_ips() {
  [[ $1 == 1 ]] && echo 127.0.0.1 || echo "127.0.0.1-$1"
}

# scenario_tables: runs.csv, one row per run: load, addresses, repeat, the connections
# each worker accepted (space-separated), total, Jain's index, max/min ("inf" when a
# worker got none); random.csv: the distribution of Jain's index for SA_FLOWS flows
# placed on SA_WORKERS workers uniformly at random.
scenario_tables() {
  awk -F, "$SC_AWK"'
    FNR == 1 { delete h; hdr(); file++; next }
    file == 1 { if ($h["partial"] != 1) lab[$h["run_id"]] = $h["label"]; next }
    ($h["run_id"] in lab) { r = $h["run_id"]; if (!(r in seen)) { seen[r] = 1; runs[++n] = r }
      c[r, $h["worker"]] = $h["server_accepted"] + 0; if ($h["worker"] + 1 > nw[r]) nw[r] = $h["worker"] + 1 }
    END {
      print "load,addresses,repeat,per_worker,connections,jain_index,max_min"
      for (i = 1; i <= n; i++) {
        r = runs[i]; split(lab[r], p, "-"); s = s2 = 0; mx = -1; mn = -1; pw = ""
        for (w = 0; w < nw[r]; w++) { x = c[r, w]; s += x; s2 += x * x; pw = pw (w ? " " : "") x
          if (mx < 0 || x > mx) mx = x; if (mn < 0 || x < mn) mn = x }
        printf "%s,%s,%s,%s,%d,%.4f,%s\n", p[1], substr(p[2], 2), substr(p[3], 2), pw, s,
               (s2 > 0 ? s * s / (nw[r] * s2) : 0), (mn > 0 ? sprintf("%.2f", mx / mn) : "inf")
      }
    }' "$SC_DIR/load/summary.csv" "$SC_DIR/load/workers.csv" >"$SC_DIR/runs.csv"
  [[ $(wc -l <"$SC_DIR/runs.csv") -gt 1 ]] || die "no complete run in $SC_DIR/load"
  # Every placement of SA_FLOWS flows on SA_WORKERS workers, equally likely.
  awk -v f="$SA_FLOWS" -v w="$SA_WORKERS" 'BEGIN {
      total = w ^ f
      for (p = 0; p < total; p++) {
        delete c; x = p; for (i = 0; i < f; i++) { c[x % w]++; x = int(x / w) }
        s2 = 0; mx = 0; mn = f; for (k = 0; k < w; k++) { s2 += c[k] * c[k]; if (c[k] > mx) mx = c[k]; if (c[k] < mn) mn = c[k] }
        j = sprintf("%.4f", f * f / (w * s2)); n[j]++; sum += f * f / (w * s2); if (mn == 0) empty++
      }
      print "jain_index,probability"
      for (j in n) printf "%s,%.6f\n", j, n[j] / total | "sort -t, -k1,1n"
      close("sort -t, -k1,1n")
      printf "mean,%.6f\n", sum / total
      printf "p_worker_empty,%.6f\n", empty / total
    }' >"$SC_DIR/random.csv"
}

scenario_chart() {
  awk -F, 'NR == 1 { print "x,addresses,load,jain_index"; next }
    { x = ($1 == "flows" ? 0 : 2) + ($2 == 16 ? 1 : 0) + (($3 - 1) % 8 - 3.5) * 0.04
      print x "," $2 "," $1 "," $6 }' "$SC_DIR/runs.csv" >"$SC_DIR/runs_plot.csv"
  local mean
  mean=$(awk -F, '$1 == "mean" { print $2 }' "$SC_DIR/random.csv")
  sc_chart source-addresses "Jain's index of the connections each of $SA_WORKERS reuseport workers accepted, per run, with 1 and 16 client addresses, $SA_FLOWS long flows and many short connections" <<GP
file = dir.'/runs_plot.csv'
set title title_with("How evenly reuseport's hash spreads connections over $SA_WORKERS workers: one point per run")
set ylabel "Jain's index of connections per worker (1 = even, 0.25 = one worker took all)"
set yrange [0.2:1.05]
set xrange [-0.6:3.6]
set xtics ("$SA_FLOWS flows, 1 address" 0, "$SA_FLOWS flows, 16 addresses" 1, "short, 1 address" 2, "short, 16 addresses" 3)
set key outside right top
plot file using (column("x")):(strcol("load") eq "flows" ? column("jain_index") : 1/0) with points pt 7 lt 1 title "$SA_FLOWS keep-alive flows", \
     file using (column("x")):(strcol("load") eq "short" ? column("jain_index") : 1/0) with points pt 5 lt 2 title 'short connections (1 request each)', \
     $mean with lines dt 2 lc rgb '#888888' title "$SA_FLOWS flows placed at random: mean"
GP
}

scenario_markdown() {
  local f=$SC_DIR/runs.csv r=$SC_DIR/random.csv
  echo "Loopback (the only topology with 16 client addresses): $(note_value design). Per run: the"
  echo "connections each worker accepted in the window (/stats), their Jain's index and max/min."
  echo
  echo "| load | client addresses | runs | connections per run (median) | Jain's index, median | range | max/min, median | runs with a worker at 0 |"
  echo "|---|---:|---:|---:|---:|---|---:|---:|"
  awk -F, "$SC_AWK"'
    NR == 1 { hdr(); next }
    { k = $h["load"] "," $h["addresses"]; if (!(k in n)) o[++nk] = k; i = ++n[k]
      j[k, i] = $h["jain_index"]; c[k, i] = $h["connections"]; m[k, i] = $h["max_min"] == "inf" ? 1e9 : $h["max_min"]
      if ($h["max_min"] == "inf") z[k]++ }
    END { for (q = 1; q <= nk; q++) { k = o[q]; split(k, p, ","); lo = hi = j[k, 1]
            for (i = 1; i <= n[k]; i++) { a[i] = j[k, i]; b[i] = c[k, i]; d[i] = m[k, i]
              if (j[k, i] < lo) lo = j[k, i]; if (j[k, i] > hi) hi = j[k, i] }
            mm = median(d, n[k])
            printf "| %s | %s | %d | %d | %.3f | %.3f–%.3f | %s | %d |\n", p[1] == "flows" ? "flows (keep-alive)" : "short (1 request each)",
                   p[2], n[k], median(b, n[k]), median(a, n[k]), lo, hi, (mm >= 1e9 ? "inf" : sprintf("%.2f", mm)), z[k] }
    }' "$f"
  echo
  echo "Per run (flows): the connections of worker 0, 1, ... — $(awk -F, 'NR > 1 && $1 == "flows" { printf "%s%s: %s", (n++ ? "; " : ""), ($2 == 1 ? "1 addr" : "16 addr"), $4 }' "$f")."
  echo
  echo "Derived from the figures:"
  echo
  awk -F, -v flows="$SA_FLOWS" -v workers="$SA_WORKERS" -v rmean="$(awk -F, '$1 == "mean" { print $2 }' "$r")" \
      -v rempty="$(awk -F, '$1 == "p_worker_empty" { print $2 }' "$r")" "$SC_AWK"'
    NR == 1 { hdr(); next }
    { k = $h["load"] "," $h["addresses"]; x = $h["jain_index"]; s[k] += x
      if (!n[k]++) { lo[k] = hi[k] = x } else { if (x < lo[k]) lo[k] = x; if (x > hi[k]) hi[k] = x } }
    function overlap(a, b) {
      if (n[a] < 2 || n[b] < 2) return "one run each: no run-to-run range"
      return lo[a] <= hi[b] && lo[b] <= hi[a] ? "within the run-to-run range" : "the ranges do not overlap" }
    END {
      if (n["flows,1"] && n["flows,16"])
        printf "- %d long flows: mean Jain %.3f with 1 address, %.3f with 16 (%s); %d flows placed uniformly at random on %d workers give %.3f on average, and leave a worker without a flow with probability %.2f.\n",
          flows, s["flows,1"] / n["flows,1"], s["flows,16"] / n["flows,16"],
          overlap("flows,1", "flows,16"), flows, workers, rmean, rempty
      if (n["short,1"] && n["short,16"])
        printf "- Short connections (thousands of 4-tuples per run): mean Jain %.4f with 1 address, %.4f with 16 (%s).\n",
          s["short,1"] / n["short,1"], s["short,16"] / n["short,16"], overlap("short,1", "short,16")
    }' "$f"
}
