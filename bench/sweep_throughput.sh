#!/usr/bin/env bash
# Sweep-level benchmarks, run side by side on this machine:
#  1. throughput: the same spec with --workers 1 and --workers 2 (trials per minute, ratio);
#  2. ASHA: experiments/random_asha.yaml against the same 20 trials run fully (time, best valid AUC).
# Usage: bench/sweep_throughput.sh [OUT_DIR]   (prints markdown tables for BENCHMARKS.md)
#        PART=throughput bench/sweep_throughput.sh   (only part 1)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
go build -o "$out/sweep" ./cmd/sweep
sweep="$out/sweep"

# 1. Throughput: 8 dot trials of 3 epochs on 200k rows (the ASHA runs reuse the file).
cat > "$out/throughput.yaml" <<'YAML'
name: throughput
data: {synthetic: {rows: 200000, seed: 1, history: 20}}
columns:
  sequences: [{column: hist_item, target: item_id, max_len: 20}]
models: [dot]
search: {seed: 1}
space: {lr: [3.0e-3, 1.0e-2], embed_dim: [8, 16], optimizer: [adam, rmsprop], batch_size: 256, hidden: [64, 32]}
train: {epochs: 3, patience: 3}
YAML
"$sweep" run "$out/throughput.yaml" --dry-run >/dev/null
secs() { local s=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $s" | bc; }
# Both runs read the same cached synthetic file (results folder = the databases' folder).
"$sweep" datagen --rows 200000 --seed 1 --history 20 --out "$out/data/synthetic-v2-r200000-s1-h20.parquet" >/dev/null
t1=$(secs "$sweep" run "$out/throughput.yaml" --workers 1 --db "$out/w1.db")
t2=$(secs "$sweep" run "$out/throughput.yaml" --workers 2 --db "$out/w2.db")
n=$("$sweep" query --db "$out/w1.db" --format csv "SELECT count(*) FROM trials" | tail -1)

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; date: $(date -u +%F)"
echo
echo "| run | trials | seconds | trials/min | ratio |"
echo "|---|---|---|---|---|"
printf "| throughput, --workers 1 | %s | %.1f | %.2f | 1.00 |\n" "$n" "$t1" "$(echo "$n*60/$t1" | bc -l)"
printf "| throughput, --workers 2 | %s | %.1f | %.2f | %.2f |\n" "$n" "$t2" "$(echo "$n*60/$t2" | bc -l)" "$(echo "$t1/$t2" | bc -l)"
echo
[ "${PART:-all}" = throughput ] && exit 0

# 2. ASHA against the full run of the same trials.
sed -e 's/^name: random-asha/name: random-full/' -e 's/scheduler: {name: asha.*}/scheduler: {name: none}/' \
  experiments/random_asha.yaml > "$out/random_full.yaml"
ta=$(secs "$sweep" run experiments/random_asha.yaml --db "$out/asha.db")
tf=$(secs "$sweep" run "$out/random_full.yaml" --db "$out/full.db")
best() { "$sweep" query --db "$1" --format csv "SELECT max(valid_auc) FROM leaderboard" | tail -1; }
pruned=$("$sweep" query --db "$out/asha.db" --format csv "SELECT count(*) FROM trials WHERE status = 'pruned'" | tail -1)

echo "| random search, 20 trials | seconds | best valid AUC | pruned |"
echo "|---|---|---|---|"
printf "| run fully | %.1f | %s | 0 |\n" "$tf" "$(best "$out/full.db")"
printf "| ASHA (min 1 epoch, reduction 3) | %.1f | %s | %s |\n" "$ta" "$(best "$out/asha.db")" "$pruned"
