# Chart 3: connections per second, median with the min–max range over repeats;
# as lines over the swept value when workers or connections vary.
file = dir.'/aggregate.csv'
set title title_with("Throughput (median, bars span min–max over repeats)")
set ylabel 'connections per second'
set yrange [0:*]
if (sweep eq 'none') {
    @set_group_xtics
    plot file using "group_index":"conn_per_s":"conn_per_s_min":"conn_per_s_max":(0.6):(column("group_index")+1) with boxerrorbars lc variable notitle
} else {
    metric = 'conn_per_s'
    @sweep_lines
}
