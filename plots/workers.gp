# Chart 1: each worker's share of the connections, grouped by configuration, with
# the even share (1/workers) marked across each group.
file = dir.'/workers_agg.csv'
set title title_with("Connections per worker (median share over repeats)")
set ylabel 'share of connections (%)'
@set_group_xtics
set yrange [0:*]
set key title 'worker'
bar(w, n) = 0.8 / n
x(g, w, n) = g + (w - (n - 1) / 2.0) * bar(w, n)
plot file using (x(column("group_index"), column("worker"), column("workers"))):(100*column("share")):(0.9*bar(column("worker"), column("workers"))):(column("worker")+1) \
       with boxes lc variable notitle, \
     for [w=0:maxworkers-1] file using (1/0):(1/0) with boxes lt w+1 title sprintf("%d", w), \
     file using (column("group_index")-0.45):(100*column("even_share")):(0.9):(0) with vectors nohead dt 2 lc rgb 'black' lw 1.5 title 'even share'
