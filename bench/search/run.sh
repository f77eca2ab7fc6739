#!/usr/bin/env bash
# The search benchmark (BENCHMARKS.md, "Search"): samplers against each other
# on the same objective, replayed on tables of trained grid points.
#
#   bench/search/run.sh                  # both spaces: fm on Frappe, dot on synthetic data
#   bench/search/run.sh dot              # one space
#   SEEDS=20 bench/search/run.sh         # fewer search seeds (default 100)
#   BATCH=1 bench/search/run.sh          # another batch size (default 4, the TPE default)
#   WORK=/tmp/sb bench/search/run.sh     # where the grids' databases, tables and traces go
#
# For each space it first trains the dense grid bench/search/<space>_grid.yaml
# with `sweep run --workers 1` under nice (dot about an hour of one core, fm
# a few hours; an interrupted grid resumes where it stopped), unless
# <space>.csv is already in WORK, and exports the grid as a replay table with
# `sweep query --format csv`. Then every sampler runs SEEDS searches of BUDGET
# trials in batches of BATCH, looking each proposal up at the nearest grid
# point, and the table of medians is printed. The benchmark's budget is 30
# trials: the best at 10, 20 and 30 trials are read from the first 30 trials
# of each search, which are those of a 30-trial search (batch k depends only
# on the batches before it); the default BUDGET of 100 only lets the count of
# trials to the best go past 30. Optuna comes from Debian's python3-optuna,
# installed with apt-get when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

WORK=${WORK:-results/search-bench}
SEEDS=${SEEDS:-100}
BUDGET=${BUDGET:-100}
BATCH=${BATCH:-4}
PY=/usr/bin/python3 # Debian's python, whatever else is on PATH
SPACES=("$@")
[ ${#SPACES[@]} -gt 0 ] || SPACES=(fm dot)

# The searched columns of each grid, as the leaderboard view names them, and
# the grid's points: fm's grid once had batch_size 4096 too (dropped to fit
# the time), and a database trained with it still serves for the rest.
declare -A COLUMNS=(
  [fm]="lr, l2_embedding, embed_dim, batch_size"
  [dot]="lr, embed_dim, hidden, dropout, l2_embedding"
)
declare -A POINTS=(
  [fm]="AND batch_size <= 1024"
  [dot]=""
)

mkdir -p "$WORK"
go build -o "$WORK/sweep" ./cmd/sweep
go build -o "$WORK/search" ./bench/search
if ! $PY -c "import optuna" 2>/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get install -y python3-optuna >&2
fi
echo "optuna $($PY -c 'import optuna; print(optuna.__version__)'), $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%dT%H:%MZ), load: $(uptime | sed 's/.*load average: //')"

for space in "${SPACES[@]}"; do
  [ -n "${COLUMNS[$space]:-}" ] || { echo "unknown space $space (known: ${!COLUMNS[*]})" >&2; exit 2; }
  table=$WORK/$space.csv
  if [ ! -s "$table" ]; then
    nice -n 10 "$WORK/sweep" run "bench/search/${space}_grid.yaml" --workers 1 --db "$WORK/$space.db" >"$WORK/$space.log" 2>&1
    "$WORK/sweep" query --db "$WORK/$space.db" --format csv \
      "SELECT ${COLUMNS[$space]}, status, valid_auc FROM leaderboard WHERE sweep = 'search-bench-$space' ${POINTS[$space]} ORDER BY trial" >"$table"
  fi
  spacefile=bench/search/${space}_space.json
  traces=$WORK/$space-traces.csv
  common=(-table "$table" -space "$spacefile" -seeds "$SEEDS" -budget "$BUDGET" -batch "$BATCH")
  {
    "$WORK/search" replay "${common[@]}" -sampler random
    "$WORK/search" replay "${common[@]}" -sampler tpe -label "attnsweep TPE"
    $PY bench/search/optuna_replay.py --table "$table" --space "$spacefile" --seeds "$SEEDS" \
      --budget "$BUDGET" --batch "$BATCH" --label "Optuna TPE (defaults)"
    $PY bench/search/optuna_replay.py --table "$table" --space "$spacefile" --seeds "$SEEDS" \
      --budget "$BUDGET" --batch "$BATCH" --startup 8 --multivariate --label "Optuna TPE (multivariate, startup 8)"
  } >"$traces"
  echo
  echo "### $space (bench/search/${space}_grid.yaml), $SEEDS search seeds, batches of $BATCH"
  echo
  "$WORK/search" table -table "$table" "$traces"
done
