#!/usr/bin/env bash
# din (pkg/model) against a DIN with FuxiCTR's structure (bench/torch_ctr.py,
# model din_fuxi) on Amazon Grocery, at the same settings: item ⊕ category
# histories, embedding 16, attention MLP [80, 40] with Dice, DNN [200, 80]
# with ReLU, Adam 1e-3, batch 1024, no regularisation; both sides decay the
# learning rate ×0.1 after an epoch without a better valid AUC, stop after
# PATIENCE such epochs or EPOCHS epochs, and report the best valid epoch's
# test AUC. Prints test AUC mean ± sd over the seeds of each side. One
# thread per side, one run at a time.
#
#   bench/grocery_din.sh                  # 3 seeds a side, at most 10 epochs, patience 2
#   SEEDS="1 2 3 4 5" EPOCHS=4 PATIENCE=4 bench/grocery_din.sh
#   GROCERY=/path/to/grocery WORK=/tmp/g bench/grocery_din.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PY=/usr/bin/python3
GROCERY=${GROCERY:-../shared/data/grocery}
SEEDS=${SEEDS:-1 2 3}
EPOCHS=${EPOCHS:-10}
PATIENCE=${PATIENCE:-2}
WORK=${WORK:-$(mktemp -d /tmp/attnsweep-grocery.XXXXXX)}
mkdir -p "$WORK"
export GOMAXPROCS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
if ! "$PY" -c 'import torch, numpy, sklearn' 2>/dev/null; then
  echo "grocery_din: needs python3-torch python3-numpy python3-sklearn (see bench/run.sh)" >&2
  exit 1
fi

go build -o "$WORK/ctrbench" ./bench/ctrbench
go build -o "$WORK/sweep" ./cmd/sweep
[ -f "$WORK/npy/meta.json" ] || "$WORK/ctrbench" export --frappe "$GROCERY" --out "$WORK/npy" >&2

# The Go side: one sweep, one trial per seed (repeats), all epochs run.
nseeds=$(wc -w <<<"$SEEDS")
cat >"$WORK/din.yaml" <<SPEC
name: grocery-din-ref
data:
  train: $GROCERY/train.parquet
  valid: $GROCERY/valid.parquet
  test: $GROCERY/test.parquet
columns:
  categorical: [user_id, item_id, cate_id, hist_len]
  sequences: [{column: hist_item, target: item_id, max_len: 20}, {column: hist_cate, target: cate_id, max_len: 20}]
models: [din]
search: {method: grid, seed: 2026, repeats: $nseeds}
space: {lr: 1.0e-3, embed_dim: 16, batch_size: 1024, hidden: [200, 80], attention_hidden: [80, 40],
        activation: relu, attention_activation: dice}
train: {epochs: $EPOCHS, patience: $PATIENCE, lr_decay: 0.1}
SPEC
"$WORK/sweep" run "$WORK/din.yaml" --workers 1 --db "$WORK/sweeps.db" >&2
"$WORK/sweep" query --db "$WORK/sweeps.db" --format csv "SELECT test_auc FROM leaderboard" | tail -n +2 >"$WORK/go_auc.txt"

: >"$WORK/torch.jsonl"
for seed in $SEEDS; do
  "$PY" bench/torch_ctr.py --data "$WORK/npy" --model din_fuxi --batch 1024 --emb 16 --epochs "$EPOCHS" --patience "$PATIENCE" \
    --hidden 200,80 --att-hidden 80,40 --att-act dice --dnn-act relu --seed "$seed" >>"$WORK/torch.jsonl"
done

"$PY" - "$WORK" <<'PY'
import json, statistics, sys
w = sys.argv[1]
go = [float(x) for x in open(w + "/go_auc.txt").read().split()]
tc = [json.loads(l)["test_auc"] for l in open(w + "/torch.jsonl") if l.strip()]
def f(x):
    return f"{statistics.mean(x):.4f} ± {statistics.stdev(x) if len(x) > 1 else 0:.4f} (n={len(x)})"
print("| side | test AUC, mean ± sd |\n|---|---|")
print(f"| pkg/model din | {f(go)} |\n| FuxiCTR-structure DIN (torch_ctr.py din_fuxi) | {f(tc)} |")
print(f"difference: {statistics.mean(go) - statistics.mean(tc):+.4f}")
PY
echo "grocery_din: raw results in $WORK" >&2
