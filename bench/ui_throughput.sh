#!/usr/bin/env bash
# Does watching a sweep slow it down? The same sweep (8 `dot` trials x 3 epochs
# on 200k synthetic rows, --workers 2: every core) runs alternately without and
# with `sweep ui` serving its database and headless Chromium keeping the sweep
# page open (following its live curves), PAIRS times each, in the order
# without/with, then with/without, and so on, so that drift in the machine's
# load falls on both alike. Prints a markdown table for BENCHMARKS.md: each
# run's wall time and the sweep's own CPU time, the CPU time the server and the
# browser used meanwhile, and that as a share of the sweep's CPU time: on a
# machine whose cores the sweep fills, what the page costs the sweep at most,
# a steadier figure than wall times when other jobs share the machine.
# Usage: bench/ui_throughput.sh [OUT_DIR]     PAIRS=4, EPOCHS=3 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
pairs=${PAIRS:-4}
epochs=${EPOCHS:-3}
mkdir -p "$out"
go build -o "$out/sweep" ./cmd/sweep
sweep="$out/sweep"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome) ||
  { echo "ui_throughput: no Chromium (apt-get install chromium)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "ui_throughput: no /usr/bin/time (apt-get install time)" >&2; exit 1; }

cat > "$out/uithroughput.yaml" <<YAML
name: uithroughput
data: {synthetic: {rows: 200000, seed: 1, history: 20}}
columns:
  sequences: [{column: hist_item, target: item_id, max_len: 20}]
models: [dot]
search: {seed: 1}
space: {lr: [3.0e-3, 1.0e-2], embed_dim: [8, 16], optimizer: [adam, rmsprop], batch_size: 256, hidden: [64, 32]}
train: {epochs: $epochs, patience: $epochs}
YAML
# Every run reads the same cached synthetic file (results folder = the databases' folder).
[ -f "$out/data/synthetic-v2-r200000-s1-h20.parquet" ] ||
  "$sweep" datagen --rows 200000 --seed 1 --history 20 --out "$out/data/synthetic-v2-r200000-s1-h20.parquet" >/dev/null

# cpu_of SID: CPU seconds used so far by the live processes of session SID.
cpu_of() {
  local tck; tck=$(getconf CLK_TCK)
  for p in $(ps -s "$1" -o pid= 2>/dev/null); do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || true; done |
    awk -v t="$tck" '{s += $1} END {printf "%.2f", s / t}'
}

# session_of DIR: the session of the browser using profile folder DIR.
session_of() { ps -o sid= -p "$(pgrep -f -- "--user-data-dir=$1" | head -1)" | tr -d ' '; }

# run NAME WATCH: one sweep into $out/NAME.db. With WATCH=1 a browser is
# started first and left 15 s to settle (a user's browser is running
# already), and once the sweep is recorded `sweep ui` serves it and the
# browser opens its page through the DevTools endpoint. Prints "wall_seconds
# ui_cpu_seconds browser_cpu_seconds sweep_cpu_seconds" (CPU while the sweep ran).
run() {
  local db="$out/$1.db" watch=$2 ui_sid="" br_sid="" ui_cpu=0 br_cpu=0 br0=0 profile=""
  rm -f "$db" "$db-wal" "$db-shm"
  if [ "$watch" = 1 ]; then
    profile=$(mktemp -d)
    setsid "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
      --disable-component-update --disable-sync --remote-debugging-port=0 --user-data-dir="$profile" about:blank >/dev/null 2>&1 &
    sleep 15
    br_sid=$(session_of "$profile")
    br0=$(cpu_of "$br_sid")
  fi
  local start; start=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$out/$1.time" "$sweep" run "$out/uithroughput.yaml" --workers 2 --db "$db" >"$out/$1.log" 2>&1 &
  local pid=$!
  if [ "$watch" = 1 ]; then
    until "$sweep" query --db "$db" --format csv "SELECT count(*) FROM sweeps" 2>/dev/null | tail -1 | grep -q 1; do sleep 0.1; done
    setsid "$sweep" ui --db "$db" --addr 127.0.0.1:0 >"$out/$1.ui.log" 2>&1 &
    ui_sid=$!
    local url="" port
    until [ -n "$url" ]; do sleep 0.1; url=$(grep -o 'http://[^ ]*/' "$out/$1.ui.log" || true); done
    port=$(head -1 "$profile/DevToolsActivePort")
    curl -sf -X PUT "http://127.0.0.1:$port/json/new?${url}%23/sweep/uithroughput" >/dev/null
  fi
  wait "$pid"
  local wall; wall=$(echo "$(date +%s.%N) - $start" | bc)
  if [ "$watch" = 1 ]; then
    ui_cpu=$(cpu_of "$ui_sid"); br_cpu=$(echo "$(cpu_of "$br_sid") - $br0" | bc)
    kill -- -"$br_sid" 2>/dev/null || true
    kill -- -"$ui_sid" 2>/dev/null || true
    wait "$ui_sid" 2>/dev/null || true
    while [ -n "$(ps -s "$br_sid" -o pid= 2>/dev/null)" ]; do sleep 0.1; done
    rm -rf "$profile" || true
  fi
  echo "$wall $ui_cpu $br_cpu $(awk '{print $1 + $2}' "$out/$1.time")"
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; date: $(date -u +%F); $epochs epochs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| pair | without the page (s) | with the page open (s) | with / without | sweep CPU without / with (s) | sweep ui CPU (s) | Chromium CPU (s) | page CPU / sweep CPU |"
echo "|---|---|---|---|---|---|---|---|"
sum_a=0 sum_b=0 sum_page=0 sum_cpu=0
for i in $(seq 1 "$pairs"); do
  if [ $((i % 2)) = 1 ]; then
    read -r a _ _ ca < <(run "plain$i" 0); read -r b ui br cb < <(run "watched$i" 1)
  else
    read -r b ui br cb < <(run "watched$i" 1); read -r a _ _ ca < <(run "plain$i" 0)
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
