# Chart 4: CPU per 1,000 connections, system time stacked under user time. The
# server process's CPU (its /stats) always; when runs knew the CPU sets
# (--server-cpus, --client-cpus), each set's busy time from /proc/stat beside it,
# with softirq and irq stacked under sys: the kernel's network work, which no
# process's CPU time shows. Results from before the host columns get the first
# chart alone (an old plotvars.gp has no has_host).
file = dir.'/aggregate.csv'
if (!exists("has_host")) has_host = 0
w = 0.27
# The bars of a configuration: the server process's on the left, then each side's
# CPU set (s: "server", "client"), and the parts of a set's busy time.
proc(part) = column("server_".part."_ms_per_1k")
host_x(s) = column("group_index") + (s eq "server" ? 0 : w)
host(s, part) = column(s."_host_".part."_ms_per_1k")
host_top(s) = host(s, "user") + host(s, "sys") + host(s, "softirq") + host(s, "irq")
set ylabel 'CPU ms per 1,000 connections'
@set_group_xtics
set yrange [0:*]
if (!has_host) {
  set title title_with("Server CPU per 1,000 connections (median over repeats)")
  set boxwidth 0.6
  plot file using "group_index":(proc("user") + proc("sys")) with boxes lc rgb '#ff7f0e' title 'user', \
       file using "group_index":"server_sys_ms_per_1k" with boxes lc rgb '#1f77b4' title 'sys'
} else {
  set title title_with("CPU per 1,000 connections (median over repeats): server process, server CPUs, client CPUs")
  set boxwidth 0.9 * w
  plot file using (column("group_index") - w):(proc("user") + proc("sys")) with boxes lc rgb '#ff7f0e' title 'user', \
       file using (column("group_index") - w):"server_sys_ms_per_1k" with boxes lc rgb '#1f77b4' title 'sys', \
       for [s in "server client"] file using (host_x(s)):(host_top(s)) with boxes lc rgb '#ff7f0e' notitle, \
       for [s in "server client"] file using (host_x(s)):(host(s, "sys") + host(s, "softirq") + host(s, "irq")) with boxes lc rgb '#1f77b4' notitle, \
       for [s in "server client"] file using (host_x(s)):(host(s, "softirq") + host(s, "irq")) with boxes lc rgb '#2ca02c' title (s eq "server" ? 'softirq' : ''), \
       for [s in "server client"] file using (host_x(s)):(host(s, "irq")) with boxes lc rgb '#d62728' title (s eq "server" ? 'irq' : ''), \
       file using (column("group_index") - w):(proc("user") + proc("sys")):("proc") with labels offset 0,0.7 font ',8' notitle, \
       for [s in "server client"] file using (host_x(s)):(host_top(s)):(s eq "server" ? "srv" : "cli") with labels offset 0,0.7 font ',8' notitle
}
