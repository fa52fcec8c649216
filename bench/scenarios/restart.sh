# shellcheck shell=bash
# scenario: rolling restart: a SO_REUSEPORT worker process leaves under load; its queued connections reset or moved (net.ipv4.tcp_migrate_req 0 and 1)
# order: 60
# needs: netns
# takes: about 50 s (--quick: about 10 s)
#
# The question: when one worker process of a SO_REUSEPORT group exits while the
# others keep serving (a rolling restart), what becomes of the connections waiting in
# its listener's accept queue? With net.ipv4.tcp_migrate_req=0 (the default) the
# kernel resets them; with 1 it moves them to another listener of the group.
#
# The design is bench/migrate_req.sh's, run as it is: blocking, 2 worker processes,
# --work-us 3000 (so queues build), 64 connections in flight, the newest worker
# SIGTERMed 1 s into a 3 s run, 5 runs per setting alternating, each setting made in a
# network namespace of the run's own (veth: the two namespaces of bench/lib/net.sh, a
# new pair per run; loopback: one namespace per run). The server reports how many
# connections were queued as the listener closed; the load generator counts resets.
# --quick: 1 run per setting of 2 s.

scenario_run() {
  local -a opt=(--bin "$BIN" --net "$SC_NET" --out "$SC_DIR/migrate")
  [[ $SC_QUICK == 0 ]] || opt+=(--repeat 1 --duration 2)
  sc_say "bench/migrate_req.sh ${opt[*]}"
  local rc=0
  sc_wait "$SC_DIR/logs/migrate_req.log" timeout 900 "$ROOT/bench/migrate_req.sh" "${opt[@]}" || rc=$?
  sc_child_status "bench/migrate_req.sh ($(tail -n 1 "$SC_DIR/logs/migrate_req.log"))" "$rc"
  sed 's/^/  /' "$SC_DIR/logs/migrate_req.log"
  sc_note topology "$(sed -n 's/^topology: //p' "$SC_DIR/logs/migrate_req.log")"
  sc_note pinning "unpinned: server and load generator on any CPU, as bench/migrate_req.sh runs"
  sc_note design "$(head -n 1 "$SC_DIR/logs/migrate_req.log" | sed -e 's/^migrate_req.sh: //' -e 's/; kernel .*//')"
}

scenario_chart() {
  sc_chart_file "$SC_DIR/migrate/migrate_req" restart \
    "Per run, the connections queued on the leaving worker's listener and those the clients saw reset, tcp_migrate_req 0 and 1"
}

scenario_markdown() {
  local f=$SC_DIR/migrate/runs.csv
  echo "bench/migrate_req.sh: $(note_value design). Per run: the connections queued on the"
  echo "leaving worker's listener as it closed (the server's count), those the clients saw"
  echo "reset, those closed unanswered (short: accepted by the leaving worker, request not yet"
  echo "read), other errors and the connections completed."
  echo
  echo "| tcp_migrate_req | runs | queued at close, per run | reset, per run | short, per run | other errors | completed (median) |"
  echo "|---:|---:|---|---|---|---:|---:|"
  awk -F, "$SC_AWK"'
    NR == 1 { hdr(); next }
    { m = $h["tcp_migrate_req"]; k = ++n[m]
      q[m] = q[m] (k > 1 ? ", " : "") $h["queued_at_close"]; r[m] = r[m] (k > 1 ? ", " : "") $h["errors_reset"]
      s[m] = s[m] (k > 1 ? ", " : "") $h["errors_short"]; o[m] += $h["errors_other"]; c[m, k] = $h["completed"] }
    END { for (m = 0; m <= 1; m++) if (n[m]) {
            for (i = 1; i <= n[m]; i++) a[i] = c[m, i]
            printf "| %d | %d | %s | %s | %s | %d | %d |\n", m, n[m], q[m], r[m], s[m], o[m], median(a, n[m]) } }' "$f"
  echo
  echo "Derived from the figures:"
  echo
  awk -F, "$SC_AWK"'
    NR == 1 { hdr(); next }
    { m = $h["tcp_migrate_req"]; n[m]++; q[m] += $h["queued_at_close"]; r[m] += $h["errors_reset"]
      if ($h["errors_reset"] >= $h["queued_at_close"]) cover[m]++
      if ($h["errors_reset"] == 0) clean[m]++ }
    END {
      if (n[0]) printf "- tcp_migrate_req=0: %d connections queued at close over %d runs, %d reset; in %d of %d runs the resets covered the queued count.\n", q[0], n[0], r[0], cover[0], n[0]
      if (n[1]) printf "- tcp_migrate_req=1: %d connections queued at close over %d runs, moved to the other listener; %d reset (%d of %d runs without one).\n", q[1], n[1], r[1], clean[1] + 0, n[1]
    }' "$f"
}
