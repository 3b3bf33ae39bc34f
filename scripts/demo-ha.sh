#!/usr/bin/env bash
# manychip HA on this machine: a 3-member etcd cluster on loopback, three
# manychipd replicas on it (one leads, two stand by), two agents that know
# all three, and jobs; then kill -9 of the leader: a standby takes over
# after the lease (2 s here), the agents re-register with it and their
# running tasks are adopted (not launched again), and no job is lost.
#
#   scripts/demo-ha.sh                        # bootstrap + build, then run
#   MANYCHIP_DEMO_SKIP_BUILD=1 scripts/demo-ha.sh
#   MANYCHIP_DEMO_LEASE=10s scripts/demo-ha.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
build_dir="${MANYCHIP_BUILD_DIR:-build}"
lease="${MANYCHIP_DEMO_LEASE:-2s}"

if [ "${MANYCHIP_DEMO_SKIP_BUILD:-0}" != 1 ]; then
  scripts/bootstrap.sh
  if [ ! -f "$build_dir/build.ninja" ]; then
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${MANYCHIP_BUILD_TYPE:-RelWithDebInfo}" \
      ${MANYCHIP_CMAKE_ARGS:-} >/dev/null
  fi
  cmake --build "$build_dir" -j "${MANYCHIP_JOBS:-$(nproc)}" --target manychipd manychip-agent manychipctl
fi
bin="$root/$build_dir/bin"
for b in manychipd manychip-agent manychipctl; do
  [ -x "$bin/$b" ] || { echo "demo-ha: $bin/$b is missing; build it first" >&2; exit 1; }
done
etcd_bin="${MANYCHIP_ETCD:-$(command -v etcd || true)}"
[ -n "$etcd_bin" ] || { echo "demo-ha: etcd not found; scripts/bootstrap.sh installs etcd-server" >&2; exit 1; }

tmp="$(mktemp -d /tmp/manychip-demo-ha-XXXXXX)"
pids=()
declare -A replica_pid
cleanup() {
  local rc=$?
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${MANYCHIP_DEMO_KEEP:-0}" = 1 ]; then echo "demo-ha: state and logs kept in $tmp"; else rm -rf "$tmp"; fi
  exit "$rc"
}
trap cleanup EXIT INT TERM
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Free loopback ports: asked of the kernel, so two demos do not collide.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

say "etcd: 3 members on loopback"
cluster="" ; clients=()
for i in 0 1 2; do
  cp_="$(free_port)"; pp="$(free_port)"
  clients+=("127.0.0.1:$cp_")
  peer[$i]="$pp"; client[$i]="$cp_"
  cluster+="${cluster:+,}m$i=http://127.0.0.1:$pp"
done
for i in 0 1 2; do
  "$etcd_bin" --name "m$i" --data-dir "$tmp/etcd-$i" \
    --listen-client-urls "http://127.0.0.1:${client[$i]}" --advertise-client-urls "http://127.0.0.1:${client[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${peer[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${peer[$i]}" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token demo-ha \
    >"$tmp/etcd-$i.log" 2>&1 &
  pids+=($!)
done
endpoints="$(IFS=,; echo "${clients[*]}")"
echo "endpoints $endpoints"

ports=(); for i in 0 1 2; do ports+=("$(free_port)"); done
servers="127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"
ctl() { "$bin/manychipctl" --server "$servers" "$@"; }
start_replica() {
  local i=$1
  "$bin/manychipd" --listen "127.0.0.1:${ports[$i]}" --state "etcd://$endpoints/demo" \
    --leader_lease "$lease" --catalog examples/catalog/devices.json \
    --heartbeat_interval 500ms --node_grace 30s >>"$tmp/manychipd-$i.log" 2>&1 &
  replica_pid[$i]=$!
  pids+=($!)
}
say "manychipd: 3 replicas (lease $lease)"
for i in 0 1 2; do start_replica "$i"; done
for _ in $(seq 100); do ctl leader >/dev/null 2>&1 && break; sleep 0.2; done
leader="$(ctl leader)"; echo "leader: $leader"

say "agents: gpu-1, gpu-2 (--server lists every replica)"
for n in 1 2; do
  mkdir -p "$tmp/agent-$n"
  "$bin/manychip-agent" --server "$servers" --node "gpu-$n" \
    --inventory examples/inventories/x86-h20.json --catalog examples/catalog/devices.json \
    --workdir "$tmp/agent-$n" --backoff_max 1s >"$tmp/agent-$n.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 100); do [ "$(ctl nodes 2>/dev/null | grep -c READY)" = 2 ] && break; sleep 0.2; done
ctl nodes

say "jobs: 6 that run a minute, launches recorded in $tmp/launches.log"
cat >"$tmp/job.json" <<EOF2
{"tenant": "team-a", "kind": "TRAINING", "task_groups": [{"name": "main", "replicas": 1,
  "demand": {"milli_devices": 1000, "cpu_milli": 1000, "memory_mib": 1024},
  "device_models": ["nvidia-h20"], "command": "/bin/sh",
  "args": ["-c", "echo \$MANYCHIP_TASK_ID:\$MANYCHIP_ATTEMPT >> $tmp/launches.log; exec sleep 60"]}]}
EOF2
jobs=()
for _ in 1 2 3 4 5 6; do jobs+=("$(ctl submit "$tmp/job.json")"); done
echo "${jobs[*]}"
for _ in $(seq 100); do [ "$(ctl jobs RUNNING 2>/dev/null | grep -c RUNNING)" = 6 ] && break; sleep 0.2; done
ctl jobs

say "kill -9 the leader ($leader)"
for i in 0 1 2; do [ "127.0.0.1:${ports[$i]}" = "${leader%% *}" ] && victim=$i; done
t0=$(date +%s.%N)
kill -9 "${replica_pid[$victim]}"; wait "${replica_pid[$victim]}" 2>/dev/null || true
for _ in $(seq 300); do
  now="$(ctl leader 2>/dev/null || true)"
  [ -n "$now" ] && [ "${now%% *}" != "${leader%% *}" ] && break
  sleep 0.1
done
t1=$(date +%s.%N)
echo "new leader: $now ($(python3 -c "print(f'{$t1-$t0:.1f}')") s after the kill)"
start_replica "$victim"
echo "restarted the old leader as a standby on 127.0.0.1:${ports[$victim]}"

say "agents re-registered with the new leader; their running tasks adopted"
for _ in $(seq 100); do [ "$(ctl nodes 2>/dev/null | grep -c READY)" = 2 ] && break; sleep 0.2; done
ctl nodes
grep -h "registered, session" "$tmp"/agent-*.log | tail -4
ctl jobs

say "no job lost, nothing launched twice"
lost=0
for j in "${jobs[@]}"; do ctl get job "$j" >/dev/null 2>&1 || { echo "LOST: $j"; lost=1; }; done
echo "jobs acknowledged: ${#jobs[@]}, found on the new leader: $(( ${#jobs[@]} - lost ))"
dups="$(sort "$tmp/launches.log" | uniq -d)"
echo "launches: $(wc -l <"$tmp/launches.log") lines, duplicated (task:attempt): ${dups:-none}"
[ "$lost" = 0 ] && [ -z "$dups" ]
say "done"
