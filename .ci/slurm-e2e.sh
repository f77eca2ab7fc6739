#!/usr/bin/env bash
# A real Slurm, end to end: a one-node cluster on this machine (munged,
# slurmctld and slurmd started here, on loopback, with state in a temporary
# folder) runs the array script of `sweep export slurm`; the merged shard
# databases must hold the same trials and results, to the digit, as one
# `sweep run` of the same spec; a requeued array task must leave the merge
# unchanged. Needs root; installs Debian's slurm-wlm and munge when absent.
#
# Usage: bash .ci/slurm-e2e.sh [SWEEP_BINARY]   (default: builds ./cmd/sweep)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
t0=$SECONDS
say() { echo "slurm-e2e: $*"; }
fail() { echo "slurm-e2e: FAIL: $*" >&2; exit 1; }

if [ "$(id -u)" != 0 ]; then
  say "skipped: starting slurmd and running jobs needs root"; exit 0
fi
tools=(munged slurmctld slurmd sbatch squeue scontrol sinfo)
if ! command -v "${tools[@]}" >/dev/null; then
  say "installing slurmctld, slurmd, slurm-client and munge with apt-get"
  if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends \
      slurmctld slurmd slurm-client munge) >/tmp/slurm-e2e-apt.log 2>&1; then
    tail -n 5 /tmp/slurm-e2e-apt.log
    say "skipped: apt-get could not install Slurm (log: /tmp/slurm-e2e-apt.log)"; exit 0
  fi
  command -v "${tools[@]}" >/dev/null || fail "Slurm installed but a tool is missing: ${tools[*]}"
fi
say "$(slurmctld -V), $(munged -V 2>&1 | head -n 1), Slurm ready after $((SECONDS - t0)) s"

# Everything lives in one folder that munged can reach (it wants its socket
# folder searchable by all) and that is removed at the end.
work=$(mktemp -d /tmp/slurm-e2e.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  local code=$?
  if [ "$code" != 0 ]; then
    for f in "$work"/log/*.log "$work"/results/*/slurm-*.out; do
      [ -f "$f" ] && { echo "--- $f (last 15 lines)"; tail -n 15 "$f"; }
    done
  fi
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT
mkdir -p "$work"/{bin,log,munge,state,spool} && install -d -m 700 "$work/key"

if [ $# -ge 1 ]; then
  cp "$1" "$work/bin/sweep"
else
  (cd "$repo" && go build -o "$work/bin/sweep" ./cmd/sweep)
fi
export PATH="$work/bin:$PATH" # sbatch passes PATH on: the tasks find this sweep

# Two free loopback ports for slurmctld and slurmd (a real Slurm may hold 6817-6818).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ctl_port=16817
while ! port_free "$ctl_port" || ! port_free "$((ctl_port + 1))"; do
  ctl_port=$((ctl_port + 2)); [ "$ctl_port" -lt 16900 ] || fail "no free port pair in 16817-16900"
done

# munged with its own key and socket.
dd if=/dev/urandom of="$work/key/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/key/munge.key"
sock="$work/munge/munge.socket"
munged -F --key-file="$work/key/munge.key" --socket="$sock" --pid-file="$work/munge/munged.pid" \
  --seed-file="$work/munge/munged.seed" --log-file="$work/log/munged.log" >"$work/log/munged.out" 2>&1 &
pids+=($!)

# One node: this machine as slurmd -C sees it (host name, CPUs, memory).
node_line=$(slurmd -C | head -n 1)
node=$(hostname -s)
case "$node_line" in "NodeName=$node "*) ;; *) fail "slurmd -C names another node: $node_line" ;; esac
export SLURM_CONF="$work/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=e2e
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctl_port
SlurmdPort=$((ctl_port + 1))
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
# Keep finished jobs' records, so that a finished array task can be requeued.
MinJobAge=3600
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=e2e Nodes=$node Default=YES MaxTime=30 State=UP
EOF
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.2; done
[ -S "$sock" ] || fail "munged did not start"
slurmctld -D -i -f "$SLURM_CONF" >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/log/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
  [ "$(sinfo -h -n "$node" -o %t 2>/dev/null)" = idle ] && break; sleep 0.5
done
[ "$(sinfo -h -n "$node" -o %t 2>/dev/null)" = idle ] || fail "node $node is not idle: $(sinfo 2>&1 | tail -n 1)"
say "cluster up: $node_line, ports $ctl_port-$((ctl_port + 1)), after $((SECONDS - t0)) s"

# A tiny sweep: 6 trials on 3000 synthetic rows, two epochs each.
cd "$work"
cat >spec.yaml <<'EOF'
name: slurm_e2e
data: {synthetic: {rows: 3000, seed: 3, history: 5}}
columns:
  sequences: [{column: hist_item, target: item_id, max_len: 5}]
models: [logreg, dot]
search: {method: grid, seed: 7}
space:
  lr: [3.0e-3, 1.0e-2, 3.0e-2]
  embed_dim: 4
  batch_size: 256
  hidden: [8]
train: {epochs: 2, patience: 1}
EOF
sweep export slurm spec.yaml --shards 3 --cpus 1 --memory 1Gi --results "$work/results" >sweep.sbatch
job=$(sbatch --parsable --chdir="$work" sweep.sbatch)
say "submitted array job $job"

# wait_done ID N: until N tasks of job ID have COMPLETED (at most 150 s);
# a task that failed, was cancelled or timed out fails the test.
wait_done() {
  local states
  for _ in $(seq 300); do
    states=$(squeue -h -j "$1" -t all -o '%i %T')
    if grep -Eq 'FAIL|CANCEL|TIMEOUT|OUT_OF_MEMORY|DEADLINE|PREEMPT' <<<"$states"; then
      fail "job $1: $(tr '\n' ' ' <<<"$states")"
    fi
    [ "$(grep -c ' COMPLETED$' <<<"$states")" = "$2" ] && return 0
    sleep 0.5
  done
  fail "job $1 not done after 150 s: $(tr '\n' ' ' <<<"$states")"
}
wait_done "$job" 3
say "array job $job: 3 tasks completed after $((SECONDS - t0)) s"

sweep run spec.yaml --db single.db >log/single.out 2>&1 || fail "single run: $(tail -n 3 log/single.out)"
shards=(results/slurm_e2e/shard-{0,1,2}.db)

# results DB: every trial's key, status and best epoch, its final metrics and
# its learning curve (not the timings), with values to 17 digits.
results() {
  sweep query --db "$1" --format csv "
    SELECT t.key, t.status, t.best_epoch, m.phase, m.split, m.metric, printf('%.17g', m.value)
      FROM trials t JOIN sweeps s ON s.id = t.sweep LEFT JOIN metrics m ON m.trial = t.id
     WHERE s.name = 'slurm_e2e' ORDER BY 1, 4, 5, 6"
  sweep query --db "$1" --format csv "
    SELECT t.key, e.epoch, e.split, e.metric, printf('%.17g', e.value)
      FROM trials t JOIN sweeps s ON s.id = t.sweep JOIN epochs e ON e.trial = t.id
     WHERE s.name = 'slurm_e2e' AND e.metric <> 'seconds' ORDER BY 1, 2, 3, 4"
}
results single.db >single.txt
trials=$(sweep query --db single.db --format csv "SELECT count(*) FROM trials WHERE status = 'done'" | tail -n 1)
[ "$trials" = 6 ] || fail "the single run finished $trials trials, not 6"

# check_merge ROUND: merge the shards, compare with the single run.
check_merge() {
  sweep merge --db merged.db "${shards[@]}" >"log/merge-$1.out"
  cat "log/merge-$1.out"
  results merged.db >merged.txt
  diff single.txt merged.txt >/dev/null || { diff single.txt merged.txt | head -n 20 || true; fail "merge $1 differs from the single run"; }
  say "merge $1: $(grep -c . merged.txt) result rows of 6 trials identical to the single run"
}
check_merge 1
grep -q ' 2 trials added' "log/merge-1.out" || fail "the first merge did not add 2 trials from each shard"
sweep report slurm_e2e --db merged.db --out report >log/report.out
[ -s report/report.md ] || fail "sweep report wrote no report.md"

# Requeue a finished task: it resumes its shard database and runs nothing.
scontrol requeue "${job}_1"
# Slurm holds a requeued job for about two minutes before it may start again.
scontrol update JobId="${job}_1" StartTime=now
for _ in $(seq 120); do
  info=$(scontrol show job "${job}_1")
  grep -q 'JobState=COMPLETED' <<<"$info" && grep -q 'Restarts=1' <<<"$info" && break
  sleep 0.5
done
grep -q 'Restarts=1' <<<"$info" && grep -q 'JobState=COMPLETED' <<<"$info" \
  || fail "requeued task ${job}_1 did not run again: $(grep -o 'JobState=[A-Z_]*\|Restarts=[0-9]*' <<<"$info" | tr '\n' ' ')"
tasklog="results/slurm_e2e/slurm-${job}_1.out"
[ "$(grep -c '^sweep slurm_e2e: trained' "$tasklog")" = 2 ] || fail "$tasklog does not show two runs"
grep -q '^sweep slurm_e2e: trained 0 trials .*(2 already finished)' "$tasklog" || fail "the requeued task ran trials again: $(grep '^sweep slurm_e2e: trained' "$tasklog")"
say "requeued task ${job}_1 ran again: $(grep '^sweep slurm_e2e: trained' "$tasklog" | tail -n 1)"
check_merge 2
if grep -qv ' 0 trials added, 0 replaced' "log/merge-2.out"; then fail "merging again changed something"; fi
say "ok in $((SECONDS - t0)) s"
