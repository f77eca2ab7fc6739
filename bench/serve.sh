#!/usr/bin/env bash
# Serving latency: `sweep serve` with a din model on ONE core (GOMAXPROCS=1,
# --workers 1, pinned to CPU 0 when taskset is there), loaded from the
# other core by bench/serveload: one row per request and 100 candidate ads
# of one user with a 20-item history per request, with 1 and 8 clients on
# loopback. Each load test is bounded (REQUESTS requests, or two minutes)
# and stops by itself. Prints a markdown table: p50, p99, max, requests/s.
#
#   bench/serve.sh                     # din trained for one epoch on sweep datagen's 200k rows
#   MODEL=m.safetensors DATA=f.parquet bench/serve.sh   # another model and its data
#   REQUESTS=2000 bench/serve.sh       # more requests per load test (default 1000)
#   WORK=/tmp/s bench/serve.sh         # keep the data, the model and the server's log there
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-$(mktemp -d /tmp/attnsweep-serve.XXXXXX)}
REQUESTS=${REQUESTS:-1000}
mkdir -p "$WORK"
go build -o "$WORK/sweep" ./cmd/sweep
go build -o "$WORK/serveload" ./bench/serveload
# The server on CPU 0, the load on CPU 1, when taskset is there.
cpu0=() cpu1=()
if command -v taskset >/dev/null; then cpu0=(taskset -c 0) cpu1=(taskset -c 1); fi

DATA=${DATA:-$WORK/synth.parquet}
MODEL=${MODEL:-$WORK/din.safetensors}
if [ ! -f "$MODEL" ]; then
  [ -f "$DATA" ] || "$WORK/sweep" datagen --out "$DATA" --rows 200000 --history 20 >&2
  cat >"$WORK/serve-din.yaml" <<SPEC
name: serve-din
data: {path: $DATA, split: {train: 0.7, valid: 0.15, test: 0.15}, seed: 2021}
models: [din]
space: {lr: 1.0e-3, batch_size: 1024, embed_dim: 32, hidden: [200, 80]}
train: {epochs: 1}
SPEC
  "$WORK/sweep" run "$WORK/serve-din.yaml" --db "$WORK/sweeps.db" --workers 1 >&2
  "$WORK/sweep" export-model --sweep serve-din --trial best --out "$MODEL" --db "$WORK/sweeps.db" >&2
fi

"${cpu0[@]}" env GOMAXPROCS=1 "$WORK/sweep" serve --model "$MODEL" --addr 127.0.0.1:0 --workers 1 >"$WORK/serve.log" 2>&1 &
server=$! # taskset and env exec the server: this is its pid
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "on http://" "$WORK/serve.log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$WORK/serve.log" | head -n 1)
[ -n "$url" ] || { cat "$WORK/serve.log" >&2; exit 1; }
echo "bench: $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%Y-%m-%dT%H:%MZ), server $url, load: $(uptime | sed 's/.*load average: //')" >&2

# The server's CPU time so far, in ms (user + system, from /proc).
tick=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$tick" '{ printf "%.1f", ($14 + $15) * 1000 / t }' "/proc/$server/stat"; }

echo "| rows per request | clients | requests | p50 ms | p99 ms | max ms | requests/s | rows/s | server CPU ms per request |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for rows in 1 100; do
  for clients in 1 8; do
    n=$REQUESTS
    [ "$rows" = 1 ] && n=$((REQUESTS * 5))
    c0=$(cpu_ms)
    row=$("${cpu1[@]}" env GOMAXPROCS=1 "$WORK/serveload" --url "$url" --data "$DATA" --rows "$rows" --clients "$clients" \
      --requests "$n" --warmup 20 --history 20 | tee -a "$WORK/serve.jsonl" | tail -n 1)
    c1=$(cpu_ms)
    echo "$row $(awk -v a="$c0" -v b="$c1" -v n="$((n + 20))" 'BEGIN { printf "%.2f", (b - a) / n }') |"
  done
done
kill -TERM $server
wait $server && echo "bench: the server exited 0 on SIGTERM; load after: $(uptime | sed 's/.*load average: //')" >&2
