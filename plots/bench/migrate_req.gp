# Chart of bench/migrate_req.sh: one worker process of a SO_REUSEPORT group
# leaves under load (SIGTERM). Per run, the connections queued on its listener as
# it closed (the server's count) beside those the clients saw reset, with
# net.ipv4.tcp_migrate_req 0 (the kernel resets them) and 1 (it moves them to the
# group's other listener). Loaded after ../common.gp, with `dir` the run's folder.
file = dir.'/runs.csv'
stats file using "run" nooutput
nruns = int(STATS_max)
# Runs of setting m at x = m * (nruns + 1) + run - 1: the settings side by side.
xpos(m, r) = m * (nruns + 1) + r - 1
set title title_with("One worker process leaves: the connections queued on its listener")
set ylabel 'connections'
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set boxwidth 0.38
set xtics () noenhanced
do for [r=1:nruns] {
    set xtics add (sprintf('run %d', r) xpos(0, r), sprintf('run %d', r) xpos(1, r))
}
set xrange [-0.7 : xpos(1, nruns) + 0.7]
set label 1 'tcp_migrate_req=0: reset' at first xpos(0, (nruns + 1) / 2.0), graph 0.96 center noenhanced
set label 2 'tcp_migrate_req=1: moved' at first xpos(1, (nruns + 1) / 2.0), graph 0.96 center noenhanced
set key outside bottom center horizontal
# Every bar carries its number: a reset count of 0 is a bar of no height.
x(d) = xpos(column("tcp_migrate_req"), column("run")) + d
plot file using (x(-0.2)):"queued_at_close" with boxes lt 1 title 'queued as its listener closed (server)', \
     file using (x(0.2)):"errors_reset" with boxes lt 4 title 'reset (clients)', \
     file using (x(-0.2)):"queued_at_close":(sprintf('%d', column("queued_at_close"))) \
         with labels offset 0, 0.6 font ',9' notitle, \
     file using (x(0.2)):"errors_reset":(sprintf('%d', column("errors_reset"))) \
         with labels offset 0, 0.6 font ',9' notitle
