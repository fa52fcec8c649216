# Chart 6: throughput second by second through the median repeat of each
# configuration: shows warm-up effects, stalls and drift. Each point sits at the
# end of its interval; the last, the drain, is shorter and left out when under
# half a second, since a rate over a few milliseconds says little (the first
# second stays whatever its length: in a run shorter than a second it is all).
file = dir.'/timeseries_plot.csv'
set title title_with("Throughput over the run (the median repeat of each configuration)")
set xlabel 'second of the measured window'
set xrange [0:*]
set ylabel 'connections per second'
set yrange [0:*]
set key inside right bottom
plot for [i=1:ngroups] file using (strcol("group") eq word(groups, i) && (column("interval_s") >= 0.5 || column("second") == 1) ? column("second") - 1 + column("interval_s") : 1/0):"conn_per_s" with linespoints lt i pt 7 ps 0.6 title word(groups, i)
