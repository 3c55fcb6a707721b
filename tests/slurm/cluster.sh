#!/usr/bin/env bash
# cluster.sh - bring up / tear down a throw-away one-node Slurm cluster on this
# host, for automated tests.  Everything lives under WORKDIR.
#
#   cluster.sh start WORKDIR        install (if needed), configure, start, wait for idle node
#   cluster.sh stop  WORKDIR        stop the daemons that `start` recorded (and only those)
#   cluster.sh env   WORKDIR        print `export ...` lines for clients: eval "$(cluster.sh env W)"
#   cluster.sh status WORKDIR       show recorded daemons and `sinfo`; exit 0 iff all alive
#   cluster.sh wait WORKDIR TIMEOUT JOBID...
#                                   wait until every job is finished (any terminal state),
#                                   print "JOBID STATE EXITCODE" lines; exit 0 iff all COMPLETED
#
# The file can also be sourced (`. cluster.sh`) to get the cluster_* functions.
#
# Tunables (environment):
#   AGORA_SLURM_CTLD_PORT   slurmctld port (default: first free pair from 46817 up)
#   AGORA_SLURMD_PORT       slurmd port    (default: ctld port + 1)
#   AGORA_SLURM_TIMEOUT     seconds to wait for each daemon / the idle node (default 60)
#   AGORA_SLURM_REALMEM     RealMemory of the node in MB (default 1024)
#   AGORA_SLURM_CPUS        CPUs of the node (default $(nproc))
#   AGORA_SLURM_MAX_ARRAY_SIZE  MaxArraySize of the cluster (default 1001)
#   AGORA_SLURM_KEEP_ON_FAILURE=1  leave daemons running if `start` fails (for debugging)

set -euo pipefail

# ----------------------------------------------------------------------------
# helpers

cluster_log() { printf 'cluster.sh: %s\n' "$*" >&2; }

cluster_fail() {
    printf 'cluster.sh: ERROR: %s\n' "$*" >&2
    return 1
}

# Absolute, normalised path of an existing WORKDIR.
cluster_workdir() {
    local w=${1:-}
    [[ -n $w ]] || { cluster_fail "WORKDIR argument missing"; return 1; }
    [[ -d $w ]] || { cluster_fail "WORKDIR $w does not exist"; return 1; }
    (cd -- "$w" && pwd -P)
}

# Print the tail of every log of daemon $2 in workdir $1.
cluster_show_logs() {
    local w=$1 name=$2 f shown=0
    for f in "$w/log/$name.log" "$w/log/$name.stdout"; do
        [[ -s $f ]] || continue
        printf -- '----- last 40 lines of %s -----\n' "$f" >&2
        tail -n 40 -- "$f" >&2
        shown=1
    done
    ((shown)) || printf -- '----- %s wrote nothing to %s/log/%s.{log,stdout} -----\n' "$name" "$w" "$name" >&2
}

# Is pid $1 a live (not zombie) process?
cluster_pid_running() {
    local st
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != Z && $st != X ]]
}

# Is recorded daemon $2 of workdir $1 alive (and really ours)?
cluster_alive() {
    local w=$1 name=$2 pid cmd
    [[ -s $w/pids/$name ]] || return 1
    pid=$(<"$w/pids/$name")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    cluster_pid_running "$pid" || return 1
    # Guard against pid reuse: the process must be the daemon and mention WORKDIR.
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
    [[ $cmd == *"$name"* && $cmd == *"$w"* ]]
}

cluster_port_busy() {
    local p=$1
    if command -v ss >/dev/null 2>&1; then
        [[ -n $(ss -Htln "sport = :$p" 2>/dev/null) ]]
    else
        timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null
    fi
}

cluster_pick_ports() {
    local ctld=${AGORA_SLURM_CTLD_PORT:-} slurmd=${AGORA_SLURMD_PORT:-} p
    if [[ -n $ctld ]]; then
        slurmd=${slurmd:-$((ctld + 1))}
        cluster_port_busy "$ctld" && { cluster_fail "AGORA_SLURM_CTLD_PORT=$ctld is already in use"; return 1; }
        cluster_port_busy "$slurmd" && { cluster_fail "slurmd port $slurmd is already in use"; return 1; }
        echo "$ctld $slurmd"
        return 0
    fi
    for ((p = 46817; p < 46917; p += 2)); do
        if ! cluster_port_busy "$p" && ! cluster_port_busy "$((p + 1))"; then
            echo "$p ${slurmd:-$((p + 1))}"
            return 0
        fi
    done
    cluster_fail "no free port pair in 46817..46916; set AGORA_SLURM_CTLD_PORT"
}

# ----------------------------------------------------------------------------
# install

cluster_have_binaries() {
    local b
    for b in munged munge unmunge slurmctld slurmd sinfo sbatch squeue scontrol scancel; do
        command -v "$b" >/dev/null 2>&1 || [[ -x /usr/sbin/$b ]] || return 1
    done
}

cluster_install() {
    cluster_have_binaries && return 0
    [[ $(id -u) -eq 0 ]] || { cluster_fail "slurm-wlm/munge missing and not root: apt-get install -y slurm-wlm munge"; return 1; }
    cluster_log "installing slurm-wlm and munge with apt-get"
    # Keep the packages' init scripts from starting system-wide daemons.
    local made_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    local rc=0 apt=(apt-get -y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    export DEBIAN_FRONTEND=noninteractive
    if ! "${apt[@]}" install slurm-wlm munge >/tmp/cluster-sh-apt.$$.log 2>&1; then
        cluster_log "apt-get install failed; retrying after apt-get update"
        if ! { apt-get -q update && "${apt[@]}" install slurm-wlm munge; } >>/tmp/cluster-sh-apt.$$.log 2>&1; then
            rc=1
        fi
    fi
    ((made_policy)) && rm -f /usr/sbin/policy-rc.d
    if ((rc)); then
        tail -n 30 /tmp/cluster-sh-apt.$$.log >&2
        rm -f /tmp/cluster-sh-apt.$$.log
        cluster_fail "apt-get install slurm-wlm munge failed (output above)"
        return 1
    fi
    rm -f /tmp/cluster-sh-apt.$$.log
    cluster_have_binaries || { cluster_fail "installed, but slurm/munge binaries still missing"; return 1; }
}

# ----------------------------------------------------------------------------
# configuration

cluster_write_config() {
    local w=$1 ctld_port=$2 slurmd_port=$3
    local host cpus mem
    host=$(hostname -s)
    cpus=${AGORA_SLURM_CPUS:-$(nproc)}
    mem=${AGORA_SLURM_REALMEM:-1024}
    mkdir -p "$w"/{etc,state,spool/slurmd,log,run,pids,munge,tmp}
    chmod 700 "$w/munge"
    cat >"$w/etc/slurm.conf" <<EOF
# Generated by tests/slurm/cluster.sh for a throw-away one-node test cluster.
ClusterName=agoratest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$w/munge/munge.socket
StateSaveLocation=$w/state
SlurmdSpoolDir=$w/spool/slurmd
SlurmctldPidFile=$w/run/slurmctld.pid
SlurmdPidFile=$w/run/slurmd.pid
SlurmctldLogFile=$w/log/slurmctld.log
SlurmdLogFile=$w/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
TmpFS=$w/tmp
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
SlurmdParameters=config_overrides
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$w/log/jobcomp.txt
MailProg=/bin/true
ReturnToService=2
MinJobAge=600
MaxArraySize=${AGORA_SLURM_MAX_ARRAY_SIZE:-1001}
KillWait=5
InactiveLimit=0
SlurmctldTimeout=60
SlurmdTimeout=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    echo "$host" >"$w/etc/nodename"
}

# ----------------------------------------------------------------------------
# daemons

# Launch "$@" detached, with stdout/stderr in log/$name.stdout, record its pid.
# Returns once the child has exec'd the daemon (or died), so that
# cluster_alive's cmdline check cannot see the pre-exec shell.
cluster_launch() {
    local w=$1 name=$2 pid i
    shift 2
    cluster_log "starting $name: $*"
    printf '%q ' "$@" >"$w/pids/$name.cmd"
    SLURM_CONF=$w/etc/slurm.conf setsid "$@" </dev/null >>"$w/log/$name.stdout" 2>&1 &
    pid=$!
    echo "$pid" >"$w/pids/$name"
    for ((i = 0; i < 100; i++)); do
        cluster_pid_running "$pid" || return 0
        [[ $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") == "$1 "* ]] && return 0
        sleep 0.05
    done
}

# Wait until `$3...` succeeds, while daemon $2 stays alive; bounded.
cluster_wait_for() {
    local w=$1 name=$2 what=$3
    shift 3
    local deadline=$((SECONDS + ${AGORA_SLURM_TIMEOUT:-60}))
    while ((SECONDS < deadline)); do
        if ! cluster_alive "$w" "$name"; then
            local rc=unknown pid
            pid=$(<"$w/pids/$name")
            # Reap it (it is our child) to learn its exit status; never block
            # on a process that is still running.
            if ! cluster_pid_running "$pid"; then
                wait "$pid" 2>/dev/null && rc=0 || rc=$?
            fi
            cluster_show_logs "$w" "$name"
            cluster_fail "$name (pid $pid) exited (status $rc) before $what; command: $(<"$w/pids/$name.cmd")"
            return 1
        fi
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.5
    done
    cluster_show_logs "$w" "$name"
    cluster_fail "timed out after ${AGORA_SLURM_TIMEOUT:-60}s waiting for $what (check: $*)"
}

cluster_munge_ok() {
    local sock=$1
    munge -n -S "$sock" | unmunge -S "$sock"
}

cluster_node_idle() {
    local w=$1 state
    state=$(SLURM_CONF=$w/etc/slurm.conf sinfo -h -N -n "$(<"$w/etc/nodename")" -o '%t' 2>/dev/null) || return 1
    [[ $state == idle ]]
}

cluster_start_daemons() {
    local w=$1 conf=$1/etc/slurm.conf node
    node=$(<"$w/etc/nodename")

    # munge: own key, socket, pid and seed under WORKDIR (in --foreground
    # mode munged logs to stderr, i.e. log/munged.stdout).  munged runs as
    # root here, so the key is root's, mode 400; --force turns its
    # permission checks on parent folders into warnings.
    if [[ ! -s $w/munge/munge.key ]]; then
        dd if=/dev/urandom of="$w/munge/munge.key" bs=1024 count=1 status=none
        chmod 400 "$w/munge/munge.key"
    fi
    local munged_cmd=(munged --foreground --force
        "--key-file=$w/munge/munge.key" "--socket=$w/munge/munge.socket"
        "--pid-file=$w/munge/munged.pid"
        "--seed-file=$w/munge/munged.seed" --num-threads=2)
    cluster_launch "$w" munged "${munged_cmd[@]}"
    cluster_wait_for "$w" munged "munge socket to answer" cluster_munge_ok "$w/munge/munge.socket" || return 1

    local ctld_cmd=(slurmctld -D -f "$conf")
    [[ -s $w/state/node_state ]] || ctld_cmd+=(-c) # fresh state on first start
    cluster_launch "$w" slurmctld "${ctld_cmd[@]}"
    cluster_wait_for "$w" slurmctld "slurmctld to answer 'scontrol ping'" \
        env SLURM_CONF="$conf" bash -c 'scontrol ping | grep -q "is UP"' || return 1

    local slurmd_cmd=(slurmd -D -f "$conf" -N "$node")
    cluster_launch "$w" slurmd "${slurmd_cmd[@]}"
    if ! cluster_wait_for "$w" slurmd "node $node to be idle in sinfo" cluster_node_idle "$w"; then
        printf -- '----- sinfo / scontrol show node -----\n' >&2
        SLURM_CONF=$conf sinfo -N -l >&2 || true
        SLURM_CONF=$conf scontrol show node "$node" >&2 || true
        cluster_show_logs "$w" slurmctld
        return 1
    fi
}

cluster_start() {
    local w
    [[ -n ${1:-} ]] && mkdir -p -- "$1"
    w=$(cluster_workdir "${1:-}") || return 1
    local name
    for name in munged slurmctld slurmd; do
        if cluster_alive "$w" "$name"; then
            cluster_fail "$name of $w is already running (pid $(<"$w/pids/$name")); run: $0 stop $w"
            return 1
        fi
    done
    local t0=$SECONDS
    cluster_install || return 1
    local ports
    ports=$(cluster_pick_ports) || return 1
    # shellcheck disable=SC2086 # two words on purpose
    cluster_write_config "$w" $ports
    if ! cluster_start_daemons "$w"; then
        if [[ ${AGORA_SLURM_KEEP_ON_FAILURE:-0} == 1 ]]; then
            cluster_log "AGORA_SLURM_KEEP_ON_FAILURE=1: leaving daemons of $w running"
        else
            cluster_stop "$w" >&2 || true
        fi
        cluster_fail "start failed; logs are in $w/log"
        return 1
    fi
    cluster_log "cluster up in $((SECONDS - t0))s: node $(<"$w/etc/nodename"), slurmctld port ${ports% *}, workdir $w"
}

# Kill slurmstepd processes spawned by our slurmd (they carry our SLURM_CONF).
cluster_kill_stepds() {
    local w=$1 sig=$2 p found=1
    for p in $(pgrep -x slurmstepd 2>/dev/null || true); do
        if tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qxF "SLURM_CONF=$w/etc/slurm.conf"; then
            kill "-$sig" "$p" 2>/dev/null || true
            found=0
        fi
    done
    return $found
}

cluster_stop() {
    local w
    w=$(cluster_workdir "${1:-}") || return 1
    local conf=$w/etc/slurm.conf
    # Cancel leftover jobs while the controller still answers.
    if cluster_alive "$w" slurmctld && [[ -s $conf ]]; then
        SLURM_CONF=$conf timeout 10 scancel --quiet --partition=debug 2>/dev/null || true
        local i
        for ((i = 0; i < 20; i++)); do
            [[ -z $(SLURM_CONF=$conf timeout 5 squeue -h -o %i 2>/dev/null) ]] && break
            sleep 0.5
        done
    fi
    local name pid rc=0 dead=()
    for name in slurmd slurmctld munged; do
        [[ -s $w/pids/$name ]] || continue
        pid=$(<"$w/pids/$name")
        if cluster_alive "$w" "$name"; then
            cluster_log "stopping $name (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            local deadline=$((SECONDS + 20))
            while cluster_alive "$w" "$name" && ((SECONDS < deadline)); do sleep 0.2; done
            if cluster_alive "$w" "$name"; then
                cluster_log "$name (pid $pid) ignored SIGTERM for 20s; sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
                sleep 0.5
            fi
            if cluster_alive "$w" "$name"; then
                cluster_fail "$name (pid $pid) is still running"
                rc=1
                continue
            fi
        fi
        wait "$pid" 2>/dev/null || true # reaps it if we are its parent (sourced use)
        dead+=("$pid")
        rm -f "$w/pids/$name"
    done
    if cluster_kill_stepds "$w" TERM; then
        sleep 1
        cluster_kill_stepds "$w" KILL || true
    fi
    # The daemons are dead; give init (which reaps orphans lazily here, ~1.5 s)
    # a moment so that `pgrep` afterwards shows no <defunct> entries.  Not an
    # error if a zombie lingers.
    local j p left
    for ((j = 0; j < 20; j++)); do
        left=0
        for p in "${dead[@]}"; do [[ -e /proc/$p ]] && left=1; done
        ((left)) || break
        sleep 0.2
    done
    return $rc
}

cluster_env() {
    local w
    w=$(cluster_workdir "${1:-}") || return 1
    [[ -s $w/etc/slurm.conf ]] || { cluster_fail "$w/etc/slurm.conf missing: run '$0 start $w' first"; return 1; }
    printf 'export SLURM_CONF=%q\n' "$w/etc/slurm.conf"
    # munge's own command-line tools take the socket with -S; this is for scripts.
    printf 'export AGORA_MUNGE_SOCKET=%q\n' "$w/munge/munge.socket"
    printf 'export AGORA_SLURM_WORKDIR=%q\n' "$w"
}

cluster_status() {
    local w
    w=$(cluster_workdir "${1:-}") || return 1
    local name rc=0
    for name in munged slurmctld slurmd; do
        if cluster_alive "$w" "$name"; then
            echo "$name running (pid $(<"$w/pids/$name"))"
        else
            echo "$name not running"
            rc=1
        fi
    done
    ((rc == 0)) && SLURM_CONF=$w/etc/slurm.conf sinfo -N
    return $rc
}

# Wait until all jobs (an array id covers all its tasks) are in a terminal
# state.  Uses `scontrol show job` (slurmctld keeps finished jobs for
# MinJobAge=600 s), so it works without slurmdbd/accounting.
cluster_wait() {
    local w
    w=$(cluster_workdir "${1:-}") || return 1
    local timeout=${2:-}
    shift 2 || true
    [[ $timeout =~ ^[0-9]+$ && $# -gt 0 ]] || { cluster_fail "usage: $0 wait WORKDIR TIMEOUT JOBID..."; return 1; }
    local conf=$w/etc/slurm.conf deadline=$((SECONDS + timeout)) out one id busy
    local terminal='^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE|OUT_OF_MEMORY)$'
    while :; do
        out=
        for id in "$@"; do
            one=$(SLURM_CONF=$conf scontrol -o show job "$id" 2>&1) || {
                cluster_fail "scontrol show job $id failed: $one"
                return 1
            }
            out+=$one$'\n'
        done
        busy=0
        while read -r st; do
            [[ $st =~ $terminal ]] || busy=1
        done < <(grep -oE 'JobState=[^ ]+' <<<"$out" | cut -d= -f2)
        ((busy == 0)) && break
        if ((SECONDS >= deadline)); then
            grep -oE '(^| )(JobId|ArrayTaskId|JobState|Reason)=[^ ]+' <<<"$out" | paste -sd' ' >&2 || true
            cluster_fail "timed out after ${timeout}s waiting for jobs $*"
            return 1
        fi
        sleep 0.5
    done
    local bad=0 line st ec
    while read -r line; do
        [[ -n $line ]] || continue
        id=$(grep -oE '^JobId=[^ ]+' <<<"$line" | cut -d= -f2)
        [[ $line =~ ArrayJobId=([0-9]+)\ ArrayTaskId=([0-9]+) ]] && id="${BASH_REMATCH[1]}_${BASH_REMATCH[2]}"
        st=$(grep -oE 'JobState=[^ ]+' <<<"$line" | cut -d= -f2)
        ec=$(grep -oE ' ExitCode=[^ ]+' <<<"$line" | cut -d= -f2)
        echo "$id $st $ec"
        [[ $st == COMPLETED ]] || bad=1
    done <<<"$out"
    return $bad
}

cluster_main() {
    local cmd=${1:-}
    shift || true
    case $cmd in
    start) cluster_start "$@" ;;
    stop) cluster_stop "$@" ;;
    env) cluster_env "$@" ;;
    status) cluster_status "$@" ;;
    wait) cluster_wait "$@" ;;
    *)
        echo "usage: $0 {start|stop|env|status} WORKDIR | $0 wait WORKDIR TIMEOUT JOBID..." >&2
        return 2
        ;;
    esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    cluster_main "$@"
fi
