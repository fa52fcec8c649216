# needs: syscalls_plot.csv
# Chart 7: system calls per connection (means over the repeats; acceptbench-load
# --kernel-counters), per configuration the server's bar on the left and the
# client's on the right, each stacked by call name. A name that never reaches 1% of
# a bar is stacked as "other", with the calls that have no tracepoint of their own.
# plot.sh skips the chart when the run counted nothing (no syscalls_plot.csv).
file = dir.'/syscalls_plot.csv'
w = 0.38
bar_x(s) = column("group_index") + (s eq "server" ? -w/2 : w/2)
# One colour per name, in syscall_names' order (plotvars.gp, at most 14 and
# "other"); "other" is always grey.
array colours = [0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, \
                 0xbcbd22, 0x17becf, 0xaec7e8, 0xffbb78, 0x98df8a, 0xff9896, 0xc5b0d5]
colour(name, i) = name eq "other" ? 0x999999 : colours[(int(i) - 1) % |colours| + 1]
set title title_with("System calls per connection (mean over repeats): server (left), client (right)")
set ylabel 'system calls per connection'
@set_group_xtics
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set key title 'call' invert
plot file using (bar_x(strcol("side"))):(column("top")):(bar_x(strcol("side")) - 0.45*w):(bar_x(strcol("side")) + 0.45*w):"base":"top":(colour(strcol("name"), column("name_index"))) \
       with boxxyerror lc rgb variable notitle, \
     for [i=1:words(syscall_names)] keyentry with boxes lc rgb colour(word(syscall_names, i), i) title word(syscall_names, i), \
     file using (bar_x(strcol("side"))):(column("base") == 0 ? column("total") : 1/0):(sprintf("%s %.1f", strcol("side") eq "server" ? "srv" : "cli", column("total"))) \
       with labels offset 0,0.7 font ',8' notitle
