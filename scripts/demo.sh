#!/usr/bin/env bash
# manychip end to end on this machine: manychipd with SQLite state in a temp
# dir, six node agents with simulated inventories of different vendors and
# host arches, the example jobs (training gangs, inference services, a
# riscv64 batch job), where each task went with its devices and visibility
# env, why (explain); then an urgent job that preempts a preemptible one (or
# explain says why it cannot), a drain whose evicted job fails over to
# another vendor, and a clean shutdown that leaves no process behind.
#
#   scripts/demo.sh                     # bootstrap + build the three binaries, then run
#   MANYCHIP_DEMO_SKIP_BUILD=1 scripts/demo.sh
#   MANYCHIP_BUILD_DIR=build-x scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
build_dir="${MANYCHIP_BUILD_DIR:-build}"

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
  [ -x "$bin/$b" ] || { echo "demo: $bin/$b is missing; build it first" >&2; exit 1; }
done

tmp="$(mktemp -d /tmp/manychip-demo-XXXXXX)"
pids=()
cleanup() {
  local rc=$?
  # Agents first (they stop their tasks: SIGTERM, then SIGKILL), then the daemon.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${MANYCHIP_DEMO_KEEP:-0}" = 1 ]; then echo "demo: state and logs kept in $tmp"; else rm -rf "$tmp"; fi
  exit "$rc"
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ctl() { "$bin/manychipctl" --server "127.0.0.1:$port" "$@"; }

# The example jobs run `torchrun`, `serve`, `tokenize`: on the simulated nodes
# those are stubs that print what they were given and then work for a while.
mkdir -p "$tmp/bin"
for cmd in $(grep -ho '"command": *"[^"]*"' examples/jobs/*.json | sed 's/.*"\([^"]*\)"$/\1/' | sort -u); do
  cat >"$tmp/bin/$cmd" <<EOF
#!/bin/sh
echo "$cmd \$* on \$MANYCHIP_NODE devices=\$MANYCHIP_DEVICES"
env | grep -E '_VISIBLE_DEVICES=' | sort
exec sleep \${MANYCHIP_DEMO_TASK_SECONDS:-120}
EOF
  chmod +x "$tmp/bin/$cmd"
done

say "manychipd (state: $tmp/state.db)"
"$bin/manychipd" --listen 127.0.0.1:0 --port_file "$tmp/port" --state "$tmp/state.db" \
  --catalog examples/catalog/devices.json --heartbeat_interval 1s --node_grace 5s \
  --stop_grace 2s >"$tmp/manychipd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port="$(cat "$tmp/port")"
echo "listening on 127.0.0.1:$port"

say "agents"
nodes=(
  "h20-0 x86-h20.json"
  "ascend-0 arm-ascend-910b.json"
  "ascend-1 arm-ascend-910b.json"
  "kunlun-0 x86-kunlun-p800.json"
  "ppu-0 x86-ppu.json"
  "riscv-0 riscv-cpu.json"
)
for n in "${nodes[@]}"; do
  set -- $n
  mkdir -p "$tmp/$1"
  PATH="$tmp/bin:$PATH" "$bin/manychip-agent" --server "127.0.0.1:$port" --node "$1" \
    --inventory "examples/inventories/$2" --catalog examples/catalog/devices.json \
    --workdir "$tmp/$1" --stop_grace 2s >"$tmp/agent-$1.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 100); do
  [ "$(ctl nodes 2>/dev/null | grep -c ' Ready ')" -ge "${#nodes[@]}" ] && break
  sleep 0.1
done
ctl nodes

mkdir -p "$tmp/jobs"
cp examples/jobs/*.json "$tmp/jobs/"

ids=()
submit() {
  local id
  if id="$(ctl submit "$1" 2>&1)"; then
    ids+=("$id")
    printf "%-16s %s\n" "$id" "examples/jobs/$(basename "$1")"
  else
    printf '%-16s %s\n    %s\n' "rejected" "$1" "$id"
  fi
}
# Every job that is not running, with the scheduler's reason.
explain_pending() {
  local id
  for id in $(ctl jobs PENDING | awk 'NR > 1 {print $1}'); do
    ctl explain "$id" | sed 's/^/  explain: /'
  done
}

# The urgent fine-tune arrives after the others are placed.
late=train-high-priority.json
say "submitting examples/jobs (all but $late)"
for f in "$tmp"/jobs/*.json; do
  [ "$(basename "$f")" = "$late" ] || submit "$f"
done

sleep 3
say "where each task went"
for id in "${ids[@]}"; do
  echo
  ctl get job "$id"
  ctl explain "$id" | sed 's/^/  explain: /'
done

say "an urgent fine-tune arrives (priority 900, 8 x H20 or 8 x 910B): examples/jobs/$late"
submit "$tmp/jobs/$late"
sleep 3
ctl get job hotfix-finetune
ctl explain hotfix-finetune | sed 's/^/  explain: /'
echo
ctl jobs
explain_pending

say "drain h20-0: its jobs are evicted (rate-limited) and fail over, here to another vendor"
ctl --wait 20s drain h20-0
sleep 2
ctl jobs
explain_pending
ctl uncordon h20-0

say "what the tasks printed (stdout captured by the agents)"
for n in "${nodes[@]}"; do
  set -- $n
  for out in "$tmp/$1"/tasks/*.out; do
    [ -f "$out" ] || continue
    printf '%s: %s\n' "$(basename "$out" .out)" "$(tr '\n' ' ' <"$out")"
  done
done

say "cancel the first job, then the cluster"
ctl cancel "${ids[0]}"
ctl jobs
ctl nodes

say "shutting down"
