#!/usr/bin/env bash
# The real Slurm test, called by .ci/run: starts a one-node Slurm cluster (slurm-wlm and munge
# from Debian, installed if missing; tests/slurm/cluster.sh), runs a small sweep on this
# machine, submits the same sweep with `agora slurm --submit` (three shards in two job arrays,
# then a dependent merge job), waits for the jobs with a bounded timeout, and checks that the
# cluster's sweep.csv is byte for byte the single-machine one, and that a job given `--mem`
# refuses a run too big for it, naming the job's limit. It stops only the daemons it
# started. It also checks that `agora slurm` reads MaxArraySize from `scontrol show config`.
# If the daemons cannot start it says why and fails: it never passes without running.
#
#   tests/slurm/run.sh            # as root; uses target/release/agora (builds it if missing)
#   AGORA_BIN=/path/to/agora AGORA_SLURM_JOB_TIMEOUT=120 tests/slurm/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd -P)
T0=$SECONDS
log() { printf 'slurm test: %s\n' "$*" >&2; }
fail() {
    printf 'slurm test: FAIL: %s\n' "$*" >&2
    exit 1
}
[[ $(id -u) -eq 0 ]] || fail "must run as root: it installs slurm-wlm and munge and runs their daemons (CI runs as root)"
BIN=${AGORA_BIN:-$ROOT/target/release/agora}
if [[ ! -x $BIN ]]; then
    log "no $BIN: building it"
    nice -n 10 cargo build --release --bin agora
fi
W=$(mktemp -d /tmp/agora-slurm.XXXXXX)
STARTED=0
cleanup() {
    local rc=$?
    if ((STARTED)); then
        tests/slurm/cluster.sh stop "$W" >&2 || rc=1
    fi
    if ((rc == 0)); then
        rm -rf "$W"
    else
        log "kept $W for inspection (logs in $W/log and $W/cluster/slurm/logs)"
    fi
    exit "$rc"
}
trap cleanup EXIT

log "starting a one-node cluster in $W"
STARTED=1
# Not the default of 1001, so that the probe below sees where the limit came from.
export AGORA_SLURM_MAX_ARRAY_SIZE=500
if ! tests/slurm/cluster.sh start "$W"; then
    fail "the Slurm daemons did not start; the reason and the daemons' logs are printed above (kept in $W/log)"
fi
T_UP=$SECONDS
eval "$(tests/slurm/cluster.sh env "$W")"
SCEN=$ROOT/tests/slurm/sweep.toml

log "a job given --mem: a run too big for it is refused, naming the job's limit"
printf 'name = "big"\nregimes = ["gift"]\n[run]\nagents = 20000000\nsteps = 100\n[population.network]\nkind = "complete"\n' >"$W/big.toml"
# A batch job (as `agora slurm` submits) sees its --mem as SLURM_MEM_PER_NODE; this cluster has
# no cgroup plugin, so without the guard the run would start and outgrow the job.
RC=0
sbatch --wait --mem=200 -t 2 -o "$W/mem.txt" --wrap "'$BIN' run '$W/big.toml' --out '$W/big'" >/dev/null || RC=$?
cat "$W/mem.txt" >&2
((RC == 2)) || fail "a run too big for --mem=200 ended with exit $RC, not 2"
grep -q "left under the Slurm job's --mem (SLURM_MEM_PER_NODE): 200.0 MB" "$W/mem.txt" ||
    fail "the refusal does not name the job's --mem"
[[ ! -e $W/big ]] || fail "the refused run wrote $W/big"

log "the sweep on this machine"
"$BIN" sweep "$SCEN" --out "$W/single" --threads 2 --quiet
[[ -s $W/single/sweep.csv ]] || fail "the single-machine sweep wrote no sweep.csv"

log "the cluster's MaxArraySize, asked of scontrol"
"$BIN" slurm "$SCEN" --shards 3 --out "$W/probe" >"$W/probe.txt"
grep -q 'MaxArraySize 500 from scontrol show config' "$W/probe.txt" ||
    fail "agora slurm did not read MaxArraySize from scontrol: $(cat "$W/probe.txt")"

log "the sweep on the cluster: agora slurm --submit"
"$BIN" slurm "$SCEN" --shards 3 --max-array-size 2 --min-task-seconds 0 --cpus 1 --partition debug --time 5 \
    --out "$W/cluster" --submit | tee "$W/submit.txt" >&2
[[ -s $W/cluster/slurm/jobs.txt ]] || fail "agora slurm --submit wrote no jobs.txt"
mapfile -t IDS < <(awk '{print $2}' "$W/cluster/slurm/jobs.txt")
((${#IDS[@]} == 3)) || fail "expected two arrays and a merge job, got: ${IDS[*]}"
grep -q '^array' "$W/cluster/slurm/jobs.txt" && grep -q '^merge' "$W/cluster/slurm/jobs.txt" ||
    fail "jobs.txt does not list the arrays and the merge job"

T_SUB=$SECONDS
if ! tests/slurm/cluster.sh wait "$W" "${AGORA_SLURM_JOB_TIMEOUT:-120}" "${IDS[@]}"; then
    for f in "$W"/cluster/slurm/logs/*; do
        [[ -f $f ]] && { printf -- '----- %s -----\n' "$f" >&2; tail -n 20 "$f" >&2; }
    done
    fail "the jobs did not all complete (states above, task logs printed)"
fi
T_DONE=$SECONDS

# Every shard ran as its own task and wrote its own journal; the merge job joined them.
for k in 0 1 2; do
    [[ -s $W/cluster/results/shard-$k-of-3.jsonl ]] || fail "shard $k/3 left no results"
done
[[ -s $W/cluster/sweep.csv ]] || fail "the merge job wrote no sweep.csv"
ls "$W"/cluster/slurm/logs/merge_*.out >/dev/null 2>&1 || fail "no log of the merge job"
if ! cmp "$W/single/sweep.csv" "$W/cluster/sweep.csv"; then
    diff "$W/single/sweep.csv" "$W/cluster/sweep.csv" | head -n 20 >&2 || true
    fail "the cluster's sweep.csv differs from the single-machine one"
fi
cmp -s "$W/single/sweep.html" "$W/cluster/sweep.html" || fail "the cluster's sweep.html differs"
ROWS=$(($(wc -l <"$W/cluster/sweep.csv") - 1))
log "PASS: sweep.csv from 3 array tasks and a merge job equals the single-machine one ($ROWS rows);" \
    "cluster up in $((T_UP - T0)) s, jobs done $((T_DONE - T_SUB)) s after submission, $((SECONDS - T0)) s in all"
