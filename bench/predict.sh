#!/usr/bin/env bash
# Inference speed: attnsweep's Predictor against the PyTorch mirror scoring
# the SAME model file (bench/torch_predict.py loads its weights), on the same
# encoded rows, ONE thread each. Prints a markdown table: rows/s of each
# side, their ratio, and the largest difference between the two sides'
# scores; then `sweep predict --model` end to end (Parquet in, Parquet out).
#
#   bench/predict.sh                  # logreg, dnn (Frappe), dot, din (synthetic)
#   bench/predict.sh dot din          # only these
#   REPEAT=9 bench/predict.sh din     # timed passes per side (the fastest counts; default 5)
#   BATCHES="1024 100" bench/predict.sh   # rows per forward pass, both sides (default: the training batch, then 100)
#   WORK=/tmp/p bench/predict.sh      # keep the data, models and results in /tmp/p
set -euo pipefail
cd "$(dirname "$0")/.."

# name, data set, batch (training and scoring), the spec's space settings.
MODELS=(
  "logreg frappe 4096 {lr: 1.0e-3, batch_size: 4096, l2_embedding: 1.0e-5}"
  "dnn    frappe 4096 {lr: 1.0e-3, batch_size: 4096, embed_dim: 10, hidden: [400, 400, 400], batch_norm: true, dropout: 0.2, l2_embedding: 0.05}"
  "dot    synth  1024 {lr: 1.0e-3, batch_size: 1024, embed_dim: 32, hidden: [200, 80]}"
  "din    synth  1024 {lr: 1.0e-3, batch_size: 1024, embed_dim: 32, hidden: [200, 80]}"
)

PY=/usr/bin/python3
FRAPPE=${FRAPPE:-../shared/data/frappe_x1}
WORK=${WORK:-$(mktemp -d /tmp/attnsweep-predict.XXXXXX)}
REPEAT=${REPEAT:-5}
mkdir -p "$WORK"
if ! "$PY" -c 'import torch, numpy' 2>/dev/null; then
  echo "bench: needs python3-torch and python3-numpy (apt); see bench/README.md" >&2
  exit 1
fi
export GOMAXPROCS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
go build -o "$WORK/sweep" ./cmd/sweep
go build -o "$WORK/ctrbench" ./bench/ctrbench
echo "bench: $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%Y-%m-%dT%H:%MZ), load: $(uptime | sed 's/.*load average: //'), work dir $WORK" >&2

data_of() { # data set → the spec's data line and the file to score
  case $1 in
    frappe) echo "{train: $FRAPPE/train.parquet, valid: $FRAPPE/valid.parquet, test: $FRAPPE/test.parquet}|$FRAPPE/train.parquet" ;;
    synth)
      [ -f "$WORK/synth.parquet" ] || "$WORK/sweep" datagen --out "$WORK/synth.parquet" --rows 200000 --history 20 >&2
      echo "{path: $WORK/synth.parquet, split: {train: 0.7, valid: 0.15, test: 0.15}, seed: 2021}|$WORK/synth.parquet" ;;
  esac
}

table=()
e2e=()
for line in "${MODELS[@]}"; do
  read -r name set batch space <<<"$line"
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  IFS='|' read -r spec_data score_file <<<"$(data_of "$set")"
  m="$WORK/$name.safetensors"
  if [ ! -f "$m" ]; then # train one epoch, then export the model file
    cat >"$WORK/$name.yaml" <<SPEC
name: predict-$name
data: $spec_data
models: [$name]
space: $space
train: {epochs: 1}
SPEC
    "$WORK/sweep" run "$WORK/$name.yaml" --db "$WORK/sweeps.db" --workers 1 >&2
    "$WORK/sweep" export-model --sweep "predict-$name" --trial best --out "$m" --db "$WORK/sweeps.db" >&2
  fi
  for b in ${BATCHES:-$batch 100}; do
    "$WORK/ctrbench" predict --model "$m" --data "$score_file" --out "$WORK/$name" --batch "$b" --repeat "$REPEAT" >>"$WORK/results.jsonl"
    out=$("$PY" bench/torch_predict.py --model "$m" --data "$WORK/$name" --batch "$b" --repeat "$REPEAT")
    echo "$out" | head -n 1 >>"$WORK/results.jsonl"
    table+=("$(echo "$out" | tail -n 1)")
  done
  t0=$(date +%s.%N)
  "$WORK/sweep" predict --model "$m" --data "$score_file" --out "$WORK/$name.scores.parquet" >&2
  t1=$(date +%s.%N)
  rows=$("$PY" -c "import json; print(json.load(open('$WORK/$name/go.json'))['rows'])")
  e2e+=("| $name | $rows | $(awk -v a="$t0" -v b="$t1" -v n="$rows" 'BEGIN { printf "%.2f | %\047.0f", b - a, n / (b - a) }') |")
done

echo "| model | rows | batch | attnsweep rows/s | PyTorch rows/s | ratio | ratio on CPU time | max abs score difference |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${table[@]}"
echo
echo "| model | rows | \`sweep predict --model\` seconds (read, encode, score, write) | rows/s |"
echo "|---|---:|---:|---:|"
printf '%s\n' "${e2e[@]}"
echo "bench: raw results in $WORK/results.jsonl; load after: $(uptime | sed 's/.*load average: //')" >&2
