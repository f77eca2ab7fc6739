#!/usr/bin/env bash
# What does the sweep page cost the browser, this build's page against an
# earlier one's? The same sweep as bench/ui_throughput.sh (8 `dot` trials x
# EPOCHS epochs, --workers 2) runs PAIRS times with each page open in headless
# Chromium: `sweep ui` built from BASE (a git revision) and from the working
# tree, alternating (base/new, then new/base, ...) so that drift in the
# machine's load falls on both alike. The sweep is this tree's build both
# times. Counts CPU seconds, not wall time, so that it can be read on a loaded
# machine: Chromium's (all its processes; renderer and GPU process apart),
# the server's and the sweep's, and prints the ratio of Chromium's CPU, new
# over base, summed over the pairs.
# Usage: BASE=REV bench/ui_cpu.sh [OUT_DIR]     BASE=main, PAIRS=3, EPOCHS=6 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/ui_lib.sh
pairs=${PAIRS:-3}
epochs=${EPOCHS:-6}
base=${BASE:-main}
ui_setup "${1:-$(mktemp -d)}" "$epochs"
rm -rf "$out/base" && mkdir -p "$out/base"
git archive "$base" | tar -x -C "$out/base"
(cd "$out/base" && go build -o "$out/sweep-base" ./cmd/sweep)

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; date: $(date -u '+%F %H:%M') UTC; base $base ($(git rev-parse --short "$base")), new: the working tree at $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + changes'); $epochs epochs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| pair | page | sweep wall (s) | sweep CPU (s) | sweep ui CPU (s) | Chromium CPU (s) | renderer | GPU process |"
echo "|---|---|---|---|---|---|---|---|"
declare -A sum=([base]=0 [new]=0)
for i in $(seq 1 "$pairs"); do
  order="base new"; [ $((i % 2)) = 1 ] || order="new base"
  for which in $order; do
    bin="$sweep"; [ "$which" = base ] && bin="$out/sweep-base"
    read -r wall ui br cpu rd gp < <(run "$which$i" "$bin")
    sum[$which]=$(echo "${sum[$which]} + $br" | bc)
    printf "| %d | %s | %.1f | %.1f | %s | %s | %s | %s |\n" "$i" "$which" "$wall" "$cpu" "$ui" "$br" "$rd" "$gp"
  done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "Chromium CPU, new / base, over %d pairs: %.2f / %.2f s = %.3f\n" "$pairs" "${sum[new]}" "${sum[base]}" "$(echo "${sum[new]} / ${sum[base]}" | bc -l)"
