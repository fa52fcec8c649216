# Shared look of every chart. run_bench.sh loads this first, with `dir` set to the
# results folder; each chart then reads that folder's CSVs and plotvars.gp only.
load dir.'/plotvars.gp'
set datafile separator ','
set datafile columnheaders
set datafile missing ''
set grid ytics lc rgb '#dddddd'
set border 3
set tics nomirror
set key outside right top noenhanced
set style fill solid 0.85 noborder
set linetype 1 lc rgb '#1f77b4' lw 2
set linetype 2 lc rgb '#ff7f0e' lw 2
set linetype 3 lc rgb '#2ca02c' lw 2
set linetype 4 lc rgb '#d62728' lw 2
set linetype 5 lc rgb '#9467bd' lw 2
set linetype 6 lc rgb '#8c564b' lw 2
set linetype 7 lc rgb '#e377c2' lw 2
set linetype 8 lc rgb '#7f7f7f' lw 2
set linetype 9 lc rgb '#bcbd22' lw 2
set linetype 10 lc rgb '#17becf' lw 2
set linetype cycle 10
# One x tic per configuration, by name, at x = group_index.
set_group_xtics = 'set xtics () rotate by -30 noenhanced; do for [i=1:ngroups] { set xtics add (word(groups, i) i-1) }; set xrange [-0.6:ngroups-0.4]'
# A title with the environment under it.
title_with(t) = sprintf("%s\n{/*0.8 %s}", t, subtitle)
is_series(i) = strcol("series") eq word(series, i)
# A sweep: one line per series over the swept value, for the aggregate.csv column
# named by `metric` with its _min/_max range. The series' rows are copied into
# $by_series one series after another first: in the CSV other series' rows lie
# between them, and their undefined points would break every line.
sweep_lines = 'set table $by_series; plot for [i=1:words(series)] file using (i):(column(sweep)):(column(metric)):(column(metric."_min")):(column(metric."_max")) with table if (is_series(i)); unset table; set datafile nocolumnheaders separator whitespace; set xlabel sweep; plot for [i=1:words(series)] $by_series using ($1 == i ? $2 : 1/0):3:4:5 with yerrorlines lt i title word(series, i)'
