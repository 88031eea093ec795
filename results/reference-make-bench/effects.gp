rows = 15
xunit = 'ms (high level minus low level; on minus off)'
heading = 'Effects on init_ms, sorted by size: 95 % intervals from higher-order interactions (df 16)'
# mvm-bench effects plot: gnuplot effects.gp (in this directory) redraws it.
set encoding utf8
set key outside top center horizontal
set grid xtics
set yzeroaxis lt -1 lw 2
set ytics font ',10' nomirror
set offsets graph 0.05, graph 0.05, 0, 0
set xlabel xunit
set yrange [-0.7:rows - 0.3]
set style fill solid 0.6 border -1
do for [t in 'pngcairo svg'] {
  ext = (t eq 'svg') ? 'svg' : 'png'
  set terminal t size 1100,(140 + 26 * rows) noenhanced
  set output 'effects.'.ext
  set title heading
  plot 'effects.dat' using ($6 == 1 ? ($3 < 0 ? $3 : 0) : 1/0):1:($3 < 0 ? $3 : 0):($3 < 0 ? 0 : $3):($1 - 0.35):($1 + 0.35):ytic(2) with boxxyerror lc rgb '#3366aa' title 'main effect', '' using ($6 == 2 ? ($3 < 0 ? $3 : 0) : 1/0):1:($3 < 0 ? $3 : 0):($3 < 0 ? 0 : $3):($1 - 0.35):($1 + 0.35) with boxxyerror lc rgb '#99bbdd' title 'two-factor interaction', '' using 3:1:4:5 with xerrorbars lc rgb 'black' pt 7 ps 0.5 lw 1.5 title '95 % interval'
}
