# Chart 4: server CPU per 1,000 connections, system time stacked under user time.
file = dir.'/aggregate.csv'
set title title_with("Server CPU per 1,000 connections (median over repeats)")
set ylabel 'CPU ms per 1,000 connections'
@set_group_xtics
set yrange [0:*]
set boxwidth 0.6
plot file using "group_index":(column("server_user_ms_per_1k")+column("server_sys_ms_per_1k")) with boxes lc rgb '#ff7f0e' title 'user', \
     file using "group_index":"server_sys_ms_per_1k" with boxes lc rgb '#1f77b4' title 'sys'
