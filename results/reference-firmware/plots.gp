# mvm-bench plots: gnuplot plots.gp (in this directory) redraws them.
set encoding utf8
set style fill solid 0.85 border -1
set boxwidth 0.75
set grid ytics
set key outside top center horizontal
set xtics rotate by -60 font ',8' nomirror
labels = 'bits after the name: pit pic rtc isa-serial x-option-roms (1 = on)'
do for [t in 'pngcairo svg'] {
  ext = (t eq 'svg') ? 'svg' : 'png'
  set terminal t size 1400,750 noenhanced
  set output 'phases.'.ext
  set title 'Boot phases per configuration (median)'
  set xlabel labels
  set ylabel 'seconds'
  set style data histograms
  set style histogram rowstacked
  plot 'phases.dat' using 3:xtic(2) title 'vmm', '' using 4 title 'firmware', '' using 5 title 'kernel', '' using 6 title 'user'
  set output 'boot-time.'.ext
  set title 'Time to init, every boot'
  set style data points
  plot 'boot-time.dat' using ($1 + (rand(0) - 0.5) * 0.3):2 pt 7 ps 0.7 title 'boot', 'phases.dat' using 1:($3+$4+$5):xtic(2) pt 2 ps 2.5 lw 2 title 'median to init'
  set output 'footprint.'.ext
  set title 'VMM footprint without guest RAM (median)'
  set ylabel 'MiB'
  set style data histograms
  set style histogram clustered gap 1
  plot 'footprint.dat' using 3:xtic(2) title 'RSS', '' using 4 title 'PSS'
  set output 'firmware.'.ext
  set title 'Direct boot vs qboot vs SeaBIOS (median over all combinations)'
  set xlabel 'vmm/firmware'
  set ylabel 'seconds'
  set xtics rotate by 0
  set style histogram rowstacked
  plot 'firmware.dat' using 3:xtic(2) title 'vmm', '' using 4 title 'firmware', '' using 5 title 'kernel', '' using 6 title 'user'
  set xtics rotate by -60
}
