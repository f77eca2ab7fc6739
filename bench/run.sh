#!/usr/bin/env bash
# Speed comparison of attnsweep and PyTorch on the same CPU, ONE thread each:
# same data (attnsweep's encoding, exported as .npy), same model, batch size,
# optimizer and epochs. Prints samples/s of both sides, their ratio, and the
# test AUCs. See bench/README.md.
#
#   bench/run.sh                 # every model below that pkg/model has
#   bench/run.sh dnn din         # only these
#   EPOCHS=5 bench/run.sh logreg # more epochs (default: the table's)
#   REPEAT=2 bench/run.sh dnn    # run each side twice, alternating; the table keeps the faster
#   SEEDS="1 2 3 4 5" EPOCHS=10 bench/run.sh dot   # AUC as mean ± sd over seeds (default seed 1)
set -euo pipefail
cd "$(dirname "$0")/.."

# One line per model: name, data set, batch size, embedding size, epochs,
# then flags given unchanged to both sides (ctrbench train, torch_ctr.py).
# dot and din use the DIN paper's MLP [200, 80]; BENCHMARKS.md also has them
# with [400, 400, 400], where both sides spend most of their time in the same
# matrix products.
MODELS=(
  "logreg frappe 4096 10 3 --l2e 1e-5"
  "fm     frappe 4096 10 3 --l2e 5e-6"
  "dnn    frappe 4096 10 3 --l2e 0.05 --hidden 400,400,400 --bn --dropout 0.2"
  "dot    synth  1024 32 3 --hidden 200,80"
  "din    synth  1024 32 3 --hidden 200,80"
)

PY=/usr/bin/python3 # Debian's python, whatever else is on PATH
FRAPPE=${FRAPPE:-../shared/data/frappe_x1}
WORK=${WORK:-$(mktemp -d /tmp/attnsweep-bench.XXXXXX)}
mkdir -p "$WORK"
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"

# PyTorch from Debian (no pip): installed once when missing.
if ! "$PY" -c 'import torch, numpy, sklearn' 2>/dev/null; then
  echo "bench: installing python3-torch python3-numpy python3-sklearn (apt)" >&2
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y python3-torch python3-numpy python3-sklearn
fi

# One thread each side.
export GOMAXPROCS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

go build -o "$WORK/ctrbench" ./bench/ctrbench
go build -o "$WORK/sweep" ./cmd/sweep
have=" $("$WORK/ctrbench" models) "

echo "bench: $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%Y-%m-%dT%H:%MZ), work dir $WORK" >&2
echo "bench: go $(go env GOVERSION), $("$PY" -c 'import torch; print("torch", torch.__version__)')" >&2

declare -A exported
prepare() { # data set name → flags for ctrbench; exports it once for torch
  local name=$1 src
  case $name in
    frappe) src=(--frappe "$FRAPPE") ;;
    synth)
      [ -f "$WORK/synth.parquet" ] || "$WORK/sweep" datagen --out "$WORK/synth.parquet" --rows 200000 --history 20 >&2
      src=(--path "$WORK/synth.parquet") ;;
    *) echo "bench: unknown data set $name" >&2; exit 1 ;;
  esac
  if [ -z "${exported[$name]:-}" ]; then
    "$WORK/ctrbench" export "${src[@]}" --out "$WORK/$name" >&2
    exported[$name]=1
  fi
  DATA_FLAGS=("${src[@]}")
}

for line in "${MODELS[@]}"; do
  read -r name data batch emb epochs extra <<<"$line"
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  if [[ $have != *" $name "* ]]; then
    echo "bench: $name: not in pkg/model yet (model.Models: $have), skipped" >&2
    continue
  fi
  epochs=${EPOCHS:-$epochs}
  prepare "$data"
  common=(--model "$name" --batch "$batch" --emb "$emb" --epochs "$epochs")
  for _ in $(seq "${REPEAT:-1}"); do
    for seed in ${SEEDS:-1}; do
      # shellcheck disable=SC2086 # $extra is a list of flags
      "$WORK/ctrbench" train "${DATA_FLAGS[@]}" "${common[@]}" $extra --seed "$seed" >>"$RESULTS"
      # shellcheck disable=SC2086
      "$PY" bench/torch_ctr.py --data "$WORK/$data" "${common[@]}" $extra --seed "$seed" >>"$RESULTS"
    done
  done
done

"$WORK/ctrbench" table "$RESULTS"
echo "bench: raw results in $RESULTS" >&2
