#!/usr/bin/env bash
# selftest.sh - start a throw-away one-node Slurm cluster, run a 3-task job
# array plus an afterok-dependent job that gathers the tasks' files, check the
# result, always stop the daemons.  Exit 0 only if everything worked.
#
#   tests/slurm/selftest.sh            (SELFTEST_KEEP=1 keeps the temp folder)
set -euo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
CLUSTER=$HERE/cluster.sh
JOB_TIMEOUT=${SELFTEST_JOB_TIMEOUT:-60}

W=$(mktemp -d /tmp/agora-slurm-selftest.XXXXXX)
T0=$SECONDS
STAGE_T=$SECONDS
status=1

stage() { # stage NAME: print how long the previous stage took, start a new one
    printf 'selftest: %-28s %3ds\n' "$1" "$((SECONDS - STAGE_T))"
    STAGE_T=$SECONDS
}

cleanup() {
    local rc=$?
    ((status == 0)) || status=$rc
    STAGE_T=$SECONDS
    cd /
    if ! "$CLUSTER" stop "$W"; then
        echo "selftest: FAIL: could not stop the daemons of $W" >&2
        status=1
    fi
    stage "stop daemons"
    if ((status != 0)); then
        echo "selftest: logs kept in $W/log" >&2
        for f in "$W"/log/*.log "$W"/job/*.out; do
            [[ -s $f ]] || continue
            printf -- '----- tail of %s -----\n' "$f" >&2
            tail -n 20 -- "$f" >&2
        done
    elif [[ ${SELFTEST_KEEP:-0} != 1 ]]; then
        rm -rf -- "$W"
    fi
    printf 'selftest: %-28s %3ds\n' "total" "$((SECONDS - T0))"
    if ((status == 0)); then echo "selftest: PASS"; else echo "selftest: FAIL" >&2; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "selftest: FAIL: $*" >&2
    exit 1
}

"$CLUSTER" start "$W" || fail "cluster.sh start $W failed"
stage "install+start cluster"

eval "$("$CLUSTER" env "$W")"
mkdir -p "$W/job"
cd "$W/job"

cat >"$W/job/task.sh" <<'EOF'
#!/bin/bash
set -euo pipefail
echo "task ${SLURM_ARRAY_TASK_ID} cpus_per_task=${SLURM_CPUS_PER_TASK:-unset} host=$(hostname -s)"
echo "${SLURM_ARRAY_TASK_ID}" >"data/part_${SLURM_ARRAY_TASK_ID}.txt"
EOF
mkdir -p "$W/job/data"

array_id=$(sbatch --parsable --chdir="$W/job" --job-name=st-array --array=0-2 \
    --cpus-per-task=1 --output="$W/job/array_%A_%a.out" "$W/job/task.sh") ||
    fail "sbatch of the array job failed"
array_id=${array_id%%;*} # --parsable prints "id" or "id;cluster"
[[ $array_id =~ ^[0-9]+$ ]] || fail "unexpected sbatch output: $array_id"

gather_id=$(sbatch --parsable --chdir="$W/job" --job-name=st-gather \
    --dependency="afterok:$array_id" --output="$W/job/gather_%j.out" \
    --wrap 'cat data/part_0.txt data/part_1.txt data/part_2.txt > result.txt && echo gathered') ||
    fail "sbatch of the dependent job failed"
gather_id=${gather_id%%;*}
[[ $gather_id =~ ^[0-9]+$ ]] || fail "unexpected sbatch output: $gather_id"
stage "submit array $array_id + $gather_id"

if ! states=$("$CLUSTER" wait "$W" "$JOB_TIMEOUT" "$array_id" "$gather_id"); then
    echo "$states" >&2
    fail "jobs did not all complete within ${JOB_TIMEOUT}s"
fi
while read -r line; do echo "selftest:   $line"; done <<<"$states"
stage "jobs finished"

# --- checks -------------------------------------------------------------------
[[ $(wc -l <<<"$states") -eq 4 ]] || fail "expected 4 job records (3 tasks + 1), got: $states"
printf '0\n1\n2\n' | cmp -s - "$W/job/result.txt" || fail "result.txt is wrong: $(cat "$W/job/result.txt" 2>&1)"
for i in 0 1 2; do
    f=$W/job/array_${array_id}_$i.out
    grep -qx "task $i cpus_per_task=1 host=$(hostname -s)" "$f" ||
        fail "unexpected output in $f: $(cat "$f" 2>&1)"
done
grep -qx gathered "$W/job/gather_${gather_id}.out" || fail "gather job output: $(cat "$W/job/gather_${gather_id}.out" 2>&1)"
# Without slurmdbd there is no sacct; the jobcomp/filetxt log records every finished job.
n=$(grep -c "JobState=COMPLETED" "$W/log/jobcomp.txt" || true)
[[ $n -eq 4 ]] || fail "jobcomp.txt has $n COMPLETED records, expected 4"
stage "check results"

status=0
