# Chart 5: Jain's fairness index of the per-worker counts (1 = even, 1/n = one
# worker takes all), median with the min–max range over repeats.
file = dir.'/aggregate.csv'
set title title_with("Fairness: Jain's index of per-worker connections")
set ylabel "Jain's index"
set yrange [0:1.05]
if (sweep eq 'none') {
    @set_group_xtics
    plot file using "group_index":"jain_index":"jain_index_min":"jain_index_max":(0.6):(column("group_index")+1) with boxerrorbars lc variable notitle
} else {
    metric = 'jain_index'
    @sweep_lines
}
