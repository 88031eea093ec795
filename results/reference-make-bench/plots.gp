# mvm-bench plots: gnuplot plots.gp (in this directory) redraws them.
set encoding utf8
set style fill solid 0.85 border -1
set boxwidth 0.75
set grid ytics
set key outside top center horizontal
load 'fixed.gp'
set xtics rotate by 60 right font ',8' nomirror
set bmargin 15
set lmargin 24
set rmargin 3
set yrange [0:*]
set xrange [-0.75:nconf - 0.25]
do for [t in 'pngcairo svg'] {
  ext = (t eq 'svg') ? 'svg' : 'png'
  set terminal t size 1400,800 noenhanced
  set output 'phases.'.ext
  set title "Boot phases per configuration (median), sorted by median time to init\n".fixed
  set ylabel 'seconds'
  set style data histograms
  set style histogram rowstacked
  plot 'phases.dat' using 3:xtic(2) title 'vmm', '' using 4 title 'firmware', '' using 5 title 'kernel', '' using 6 title 'user'
  set output 'boot-time.'.ext
  set title "Time to init: every boot, and the median with its 95 % interval\n".fixed
  set style data points
  plot 'boots.dat' using ($1 + (rand(0) - 0.5) * 0.3):2 pt 7 ps 0.6 lc rgb '#9090c0' title 'boot', 'boot-time.dat' using 1:3:4:5:xtic(2) with yerrorbars pt 5 ps 1.2 lw 2 lc rgb '#c03020' title 'median, 95 % interval'
  set output 'footprint.'.ext
  set title "VMM footprint without guest RAM (median of each boot's time-weighted mean)\n".fixed
  set ylabel 'MiB'
  set style data histograms
  set style histogram clustered gap 1
  plot 'footprint.dat' using 3:xtic(2) title 'RSS', '' using 4 title 'PSS'
  set output 'firmware.'.ext
  set title 'Direct boot vs qboot vs SeaBIOS (median over all combinations)'
  set ylabel 'seconds'
  set xtics rotate by 0 center
  set xrange [-0.75:nfw - 0.25]
  set style histogram rowstacked
  plot 'firmware.dat' using 3:xtic(2) title 'vmm', '' using 4 title 'firmware', '' using 5 title 'kernel', '' using 6 title 'user'
  set xtics rotate by 60 right
  set xrange [-0.75:nconf - 0.25]
}
