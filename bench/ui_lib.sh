# Shared by bench/ui_throughput.sh and bench/ui_cpu.sh (sourced, not run):
# the benchmark sweep, CPU accounting of process sessions, and one sweep run
# with or without headless Chromium showing its page through `sweep ui`.

# ui_setup OUT EPOCHS: builds `sweep` into OUT, finds Chromium, writes the
# spec (8 `dot` trials x EPOCHS epochs on 200k synthetic rows) and its data.
ui_setup() {
  out=$1
  mkdir -p "$out"
  go build -o "$out/sweep" ./cmd/sweep
  sweep="$out/sweep"
  browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome) ||
    { echo "$0: no Chromium (apt-get install chromium)" >&2; exit 1; }
  [ -x /usr/bin/time ] || { echo "$0: no /usr/bin/time (apt-get install time)" >&2; exit 1; }
  cat > "$out/uithroughput.yaml" <<YAML
name: uithroughput
data: {synthetic: {rows: 200000, seed: 1, history: 20}}
columns:
  sequences: [{column: hist_item, target: item_id, max_len: 20}]
models: [dot]
search: {seed: 1}
space: {lr: [3.0e-3, 1.0e-2], embed_dim: [8, 16], optimizer: [adam, rmsprop], batch_size: 256, hidden: [64, 32]}
train: {epochs: $2, patience: $2}
YAML
  # Every run reads the same cached synthetic file (results folder = the databases' folder).
  [ -f "$out/data/synthetic-v2-r200000-s1-h20.parquet" ] ||
    "$sweep" datagen --rows 200000 --seed 1 --history 20 --out "$out/data/synthetic-v2-r200000-s1-h20.parquet" >/dev/null
}

# cpu_of SID [TYPE]: CPU seconds used so far by the processes of session SID:
# with no TYPE every live process and the children they reaped (a renderer
# that exited is counted in its zygote's), with TYPE only the live Chromium
# processes of that --type (renderer, gpu-process, utility; "browser" for
# the one without a type).
cpu_of() {
  local tck p args; tck=$(getconf CLK_TCK)
  for p in $(ps -s "$1" -o pid= 2>/dev/null); do
    if [ -z "${2:-}" ]; then
      awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null || true
    else
      args=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
      case "$args" in
        *--type=$2*) ;;
        *--type=*) continue ;;
        *) [ "$2" = browser ] || continue ;;
      esac
      awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || true
    fi
  done | awk -v t="$tck" '{s += $1} END {printf "%.2f", s / t}'
}

# session_of DIR: the session of the browser using profile folder DIR.
session_of() { ps -o sid= -p "$(pgrep -f -- "--user-data-dir=$1" | head -1)" | tr -d ' '; }

# run NAME [UI]: one sweep into $out/NAME.db. With UI (a `sweep` binary) a
# browser is started first and left 15 s to settle (a user's browser is
# running already), and once the sweep is recorded UI's `sweep ui` serves it
# and the browser opens its page through the DevTools endpoint. Prints
# "wall ui_cpu browser_cpu sweep_cpu renderer_cpu gpu_cpu" in seconds (CPU
# while the sweep ran; the browser's from after it settled).
run() {
  local db="$out/$1.db" ui=${2:-} ui_sid="" br_sid="" ui_cpu=0 br_cpu=0 br0=0 rd0=0 gp0=0 rd=0 gp=0 profile=""
  rm -f "$db" "$db-wal" "$db-shm"
  if [ -n "$ui" ]; then
    profile=$(mktemp -d)
    setsid "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
      --disable-component-update --disable-sync --remote-debugging-port=0 --user-data-dir="$profile" about:blank >/dev/null 2>&1 &
    sleep 15
    br_sid=$(session_of "$profile")
    br0=$(cpu_of "$br_sid"); rd0=$(cpu_of "$br_sid" renderer); gp0=$(cpu_of "$br_sid" gpu-process)
  fi
  local start; start=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$out/$1.time" "$sweep" run "$out/uithroughput.yaml" --workers 2 --db "$db" >"$out/$1.log" 2>&1 &
  local pid=$!
  if [ -n "$ui" ]; then
    until "$sweep" query --db "$db" --format csv "SELECT count(*) FROM sweeps" 2>/dev/null | tail -1 | grep -q 1; do sleep 0.1; done
    setsid "$ui" ui --db "$db" --addr 127.0.0.1:0 >"$out/$1.ui.log" 2>&1 &
    ui_sid=$!
    local url="" port
    until [ -n "$url" ]; do sleep 0.1; url=$(grep -so 'http://[^ ]*/' "$out/$1.ui.log" || true); done
    port=$(head -1 "$profile/DevToolsActivePort")
    curl -sf -X PUT "http://127.0.0.1:$port/json/new?${url}%23/sweep/uithroughput" >/dev/null
  fi
  wait "$pid"
  local wall; wall=$(echo "$(date +%s.%N) - $start" | bc)
  if [ -n "$ui" ]; then
    ui_cpu=$(cpu_of "$ui_sid"); br_cpu=$(echo "$(cpu_of "$br_sid") - $br0" | bc)
    rd=$(echo "$(cpu_of "$br_sid" renderer) - $rd0" | bc); gp=$(echo "$(cpu_of "$br_sid" gpu-process) - $gp0" | bc)
    kill -- -"$br_sid" 2>/dev/null || true
    kill -- -"$ui_sid" 2>/dev/null || true
    wait "$ui_sid" 2>/dev/null || true
    while [ -n "$(ps -s "$br_sid" -o pid= 2>/dev/null)" ]; do sleep 0.1; done
    rm -rf "$profile" || true
  fi
  echo "$wall $ui_cpu $br_cpu $(awk '{print $1 + $2}' "$out/$1.time") $rd $gp"
}
