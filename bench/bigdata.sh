#!/usr/bin/env bash
# 20 million rows (BENCHMARKS.md, "Loading 20 million rows"): `sweep datagen
# --rows 20000000 --history 20` as 16 part files, loaded beside the 1M-row file
# of BenchmarkLoad, then one epoch of logreg and of dot with 1 and 2 trainers
# sharing the Dataset. Each figure line is printed with the load average
# (`uptime`) at its start. The data stays in WORK (default
# $TMPDIR/attnsweep-bench), so a second run skips the generation.
#
# Usage: bench/bigdata.sh                 # everything
#        PART=load bench/bigdata.sh       # generation and loads only
#        PART=train bench/bigdata.sh      # generation and training only
#        RUNS=5 PART=load bench/bigdata.sh
#        TRAIN="logreg" bench/bigdata.sh  # train only these models
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-${TMPDIR:-/tmp}/attnsweep-bench}
runs=${RUNS:-3}
models=${TRAIN:-logreg dot}
mkdir -p "$work"
go build -o "$work/loadmem" ./bench/loadmem
lm="$work/loadmem"
small="$work/synth-v2-r1000000-s1-h20.parquet"
big="$work/synth-v2-r20000000-s1-h20"

note() { echo "# $(date -u +%FT%TZ) load average: $(uptime | sed 's/.*load average: //')"; }
[ -f "$small" ] || "$lm" -gen "$small" -rows 1000000 -history 20
if [ ! -f "$big/part-015.parquet" ]; then
  note; echo "# generating 20M rows as 16 parts"
  s=$(date +%s); "$lm" -gen "$big" -rows 20000000 -history 20 -parts 16; echo "# generated in $(( $(date +%s) - s )) s"
fi

if [ "${PART:-}" != train ]; then
  for i in $(seq "$runs"); do
    note; "$lm" -load "$small"
    for readers in 1 2; do note; "$lm" -load "$big" -readers "$readers"; done
  done
fi
[ "${PART:-}" = load ] && exit 0

for m in $models; do
  for trainers in 1 2; do
    note; "$lm" -load "$small" -model "$m" -trainers "$trainers" -epochs 1
    note; "$lm" -load "$big" -readers 2 -model "$m" -trainers "$trainers" -epochs 1
  done
done
