#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for running the pipeline through sbatch in a test
# (tests/test_real_slurm.py) or by hand:
#
#   tools/one_node_slurm.sh start DIR   # install SLURM if needed, configure it in DIR, start it
#   .venv/bin/snakemake --workflow-profile profiles/slurm results/tables/claims.csv
#   tools/one_node_slurm.sh stop DIR    # cancel its jobs, stop its daemons by their process ids
#
# start installs Debian's slurm-wlm and munge with apt-get when they are missing, and writes a
# slurm.conf for this machine: its host name, and the CPUs and memory slurmd finds on it; one
# partition; select/cons_tres, proctrack/linuxproc, task/none; no accounting database, so
# sacct cannot report jobs and the profile's squeue status check is what works. Everything the
# daemons write (keys, state, sockets, logs, pid files) stays in DIR. The one thing outside it
# is a link from SLURM's default configuration file to DIR/slurm.conf, made only where the
# machine has no configuration of its own and removed by stop: inside a job, the SLURM
# executor plugin runs the rule with srun and strips every SLURM_* variable first, SLURM_CONF
# included, so srun finds the cluster only at the default place.
#
# Exit status 77: SLURM cannot run here (not root, or no SLURM and no apt-get to install it, or
# the install failed, or the machine has a SLURM configuration of its own); stderr says which.
# Any other failure exits 1 with the daemons' logs.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$(realpath -m "$2")
export SLURM_CONF="$dir/slurm.conf"
DEFAULT_CONF=/etc/slurm/slurm.conf  # where SLURM's commands look without SLURM_CONF
DAEMONS=(slurmd slurmctld munged)  # stopped in this order

cannot() { echo "one-node SLURM cannot run here: $*" >&2; exit 77; }

install_slurm() {
  command -v apt-get >/dev/null || cannot "slurm-wlm and munge are not installed and there is no apt-get to install them"
  # keep the packages' own services from starting: this script starts its daemons itself
  local policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy=/usr/sbin/policy-rc.d
  fi
  echo "installing slurm-wlm and munge with apt-get ..." >&2
  local status=0
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null; } ||
    status=$?
  [ -z "$policy" ] || rm -f "$policy"
  [ "$status" -eq 0 ] || cannot "apt-get could not install slurm-wlm and munge (exit status $status)"
}

write_config() {
  local host node
  host=$(hostname -s)
  # the node as slurmd sees it: NodeName=<host> CPUs=... Sockets... RealMemory=...
  node=$(slurmd -C | head -n 1)
  case "$node" in NodeName=*RealMemory=*) ;; *) echo "slurmd -C did not describe the node: $node" >&2; return 1 ;; esac
  cat > "$SLURM_CONF" <<EOF
# One-node cluster written by tools/one_node_slurm.sh; everything it writes is in $dir.
ClusterName=onenode
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
# how long squeue still shows a finished job (SLURM's default)
MinJobAge=300
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=onenode Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

running() {  # running DAEMON: its pid file names a live process of that name
  local pid
  pid=$(cat "$dir/$1.pid" 2>/dev/null) || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND until it succeeds
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq $((seconds * 2))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "timed out after ${seconds}s waiting for $what" >&2
  return 1
}

node_idle() { [ "$(sinfo -h -o %T)" = "idle" ]; }
no_job_running() { [ -z "$(squeue -h -t running,completing -o %i)" ]; }

show_logs() {
  for log in "$dir"/*.log; do
    if [ -e "$log" ]; then echo "--- $log" >&2; tail -n 20 "$log" >&2; fi
  done
}

start() {
  [ "$(id -u)" -eq 0 ] || cannot "the SLURM daemons and munged need root (this is uid $(id -u))"
  for tool in slurmctld slurmd munged sbatch squeue; do
    command -v "$tool" >/dev/null || { install_slurm; break; }
  done
  for daemon in "${DAEMONS[@]}"; do
    ! running "$daemon" || { echo "$daemon from $dir is running already: stop it first" >&2; return 1; }
  done
  if [ -e "$DEFAULT_CONF" ]; then  # (a link left dangling by an earlier cluster is replaced)
    [ "$(readlink "$DEFAULT_CONF")" = "$SLURM_CONF" ] ||
      cannot "this machine has a SLURM configuration of its own ($DEFAULT_CONF): use that cluster instead"
  fi
  starting=1  # from here on, a failure stops what was started
  mkdir -p "$dir/state" "$dir/spool" "$(dirname "$DEFAULT_CONF")"
  chmod 700 "$dir"
  write_config
  ln -sfn "$SLURM_CONF" "$DEFAULT_CONF"
  dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none
  chmod 600 "$dir/munge.key"
  # --force: munged wants every user able to reach its socket, and DIR may sit in a folder only
  # root can enter (pytest's temporary folders); root is the only user of this cluster
  munged --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" --pid-file="$dir/munged.pid" \
    --log-file="$dir/munged.log" --seed-file="$dir/munged.seed"
  wait_for 10 munged running munged
  slurmctld -f "$SLURM_CONF"
  wait_for 30 slurmctld scontrol ping
  slurmd -f "$SLURM_CONF"
  wait_for 60 "the node to be idle" node_idle
  echo "one-node SLURM is up: $SLURM_CONF (linked from $DEFAULT_CONF)" >&2
}

stop() {
  if running slurmctld && running munged; then  # its jobs first, so that no job step outlives slurmd
    squeue -h -o %i | xargs -r scancel || true
    wait_for 20 "the jobs to end" no_job_running || true
  fi
  for daemon in "${DAEMONS[@]}"; do
    running "$daemon" || continue
    local pid
    pid=$(cat "$dir/$daemon.pid")
    kill "$pid" 2>/dev/null || true
    wait_for 20 "$daemon ($pid) to stop" test ! -e "/proc/$pid" || kill -KILL "$pid" 2>/dev/null || true
  done
  [ "$(readlink "$DEFAULT_CONF")" != "$SLURM_CONF" ] || rm -f "$DEFAULT_CONF"
  echo "one-node SLURM in $dir is stopped" >&2
}

case "$action" in
  start)
    # a start that fails halfway shows the daemons' logs and stops what it started
    starting=""
    trap 'status=$?; if [ $status -ne 0 ] && [ -n "$starting" ]; then show_logs; stop; exit 1; fi' EXIT
    start ;;
  stop) stop ;;
  *) usage ;;
esac
