# Chart 2: latency percentile distribution of the median repeat, HdrHistogram
# style: x is 1/(1-p), so each decade is one more nine.
file = dir.'/latency_plot.csv'
set multiplot layout 1,2 title title_with("Latency by percentile (the median repeat of each configuration)")
set logscale xy
set xtics ("50%%" 2, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, "99.999%%" 100000)
set xlabel 'percentile'
set ylabel 'latency (µs)'
set key inside right bottom
nines(p) = p < 100 ? 1 / (1 - p / 100.0) : 1/0
set title 'total: connect() to last reply byte'
plot for [i=1:ngroups] file using (strcol("group") eq word(groups, i) && strcol("metric") eq "total" ? nines(column("percentile")) : 1/0):"value_us" with lines lt i title word(groups, i)
set title 'connect: the handshake'
plot for [i=1:ngroups] file using (strcol("group") eq word(groups, i) && strcol("metric") eq "connect" ? nines(column("percentile")) : 1/0):"value_us" with lines lt i title word(groups, i)
unset multiplot
