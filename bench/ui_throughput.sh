#!/usr/bin/env bash
# Does watching a sweep slow it down? The same sweep (8 `dot` trials x EPOCHS
# epochs on 200k synthetic rows, --workers 2: every core) runs alternately
# without and with `sweep ui` serving its database and headless Chromium
# keeping the sweep page open (following its live curves), PAIRS times each,
# in the order without/with, then with/without, and so on, so that drift in
# the machine's load falls on both alike. Prints a markdown table for
# BENCHMARKS.md: each run's wall time and the sweep's own CPU time, the CPU
# time the server and the browser used meanwhile, and that as a share of the
# sweep's CPU time: on a machine whose cores the sweep fills, what the page
# costs the sweep at most, a steadier figure than wall times when other jobs
# share the machine. The last line is the ratio of the summed wall times.
# Usage: bench/ui_throughput.sh [OUT_DIR]     PAIRS=4, EPOCHS=3 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/ui_lib.sh
pairs=${PAIRS:-4}
epochs=${EPOCHS:-3}
ui_setup "${1:-$(mktemp -d)}" "$epochs"

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; date: $(date -u +%F); $epochs epochs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| pair | without the page (s) | with the page open (s) | with / without | sweep CPU without / with (s) | sweep ui CPU (s) | Chromium CPU (s) | page CPU / sweep CPU |"
echo "|---|---|---|---|---|---|---|---|"
sum_a=0 sum_b=0 sum_page=0 sum_cpu=0
for i in $(seq 1 "$pairs"); do
  if [ $((i % 2)) = 1 ]; then
    read -r a _ _ ca _ < <(run "plain$i"); read -r b ui br cb _ < <(run "watched$i" "$sweep")
  else
    read -r b ui br cb _ < <(run "watched$i" "$sweep"); read -r a _ _ ca _ < <(run "plain$i")
  fi
  sum_a=$(echo "$sum_a + $a" | bc); sum_b=$(echo "$sum_b + $b" | bc)
  sum_page=$(echo "$sum_page + $ui + $br" | bc); sum_cpu=$(echo "$sum_cpu + $cb" | bc)
  printf "| %d | %.1f | %.1f | %.3f | %.1f / %.1f | %s | %s | %.1f%% |\n" "$i" "$a" "$b" "$(echo "$b / $a" | bc -l)" \
    "$ca" "$cb" "$ui" "$br" "$(echo "100 * ($ui + $br) / $cb" | bc -l)"
done
printf "| all | %.1f | %.1f | %.3f | | | | %.1f%% |\n" "$sum_a" "$sum_b" "$(echo "$sum_b / $sum_a" | bc -l)" \
  "$(echo "100 * $sum_page / $sum_cpu" | bc -l)"
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "watched / unwatched wall time over %d pairs: %.3f\n" "$pairs" "$(echo "$sum_b / $sum_a" | bc -l)"
