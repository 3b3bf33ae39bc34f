#!/usr/bin/env bash
# Installs manychip into a scratch prefix and runs every installed binary from
# an unrelated working directory with no path flags: each must find its
# defaults in <prefix>/share/manychip (apps/common/data_files.h), say which
# file it loaded on stderr, keep stdout for its output, and answer --help and
# --version.
#
# It also builds examples/embed/minimal.cc with the installed pkg-config file
# alone.
#
#   run_binaries_test.sh SOURCE_DIR BUILD_DIR SCRATCH_DIR
set -euo pipefail
source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch/cwd"
scratch=$(cd "$scratch" && pwd)
prefix=$scratch/prefix
bin=$prefix/bin
data=$prefix/share/manychip
unset MANYCHIP_DATA_DIR

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cmake --install "$build_dir" --prefix "$prefix" >/dev/null
# The build tree must not be what the installed binaries find.
cd "$scratch/cwd"

version=$(sed -n 's/^project(manychip VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
[ -n "$version" ] || fail "no project version in $source_dir/CMakeLists.txt"
for b in manychipd manychip-agent manychipctl manychip-sim manychip-loadtest; do
  [ -x "$bin/$b" ] || fail "$b not installed"
  out=$("$bin/$b" --version) || fail "$b --version exited $?"
  [[ "$out" == "$b "[0-9]* ]] || fail "$b --version printed '$out'"
  [ "$out" == "$b $version" ] || fail "$b --version: '$out', project is $version"
  # absl's --help exits 1 after printing (absl 20220623); a crash is > 1.
  rc=0
  help=$("$bin/$b" --help) || rc=$?
  [ "$rc" -le 1 ] || fail "$b --help exited $rc"
  grep -q -- "--" <<<"$help" || fail "$b --help lists no flags:\n$help"
done
for b in manychipd manychip-agent manychip-loadtest; do
  help=$("$bin/$b" --help || true)
  grep -q 'default: ' <<<"$help" || fail "$b --help shows no defaults"
done
"$bin/manychipctl" --help | grep -q -- '--server' || fail "manychipctl --help lacks --server"
for mode in openb run gen; do
  help=$("$bin/manychip-sim" "$mode" --help) || fail "manychip-sim $mode --help exited $?"
  grep -q 'default: ' <<<"$help" || fail "manychip-sim $mode --help shows no defaults:\n$help"
done

# manychipd: start, wait for its port file (bounded), stop with SIGTERM.
"$bin/manychipd" --listen 127.0.0.1:0 --state "$scratch/state.db" \
  --port_file "$scratch/port" 2>"$scratch/manychipd.err" &
daemon=$!
deadline=$((SECONDS + 30))
while [ ! -s "$scratch/port" ]; do
  kill -0 "$daemon" 2>/dev/null || { cat "$scratch/manychipd.err" >&2; fail "manychipd exited"; }
  [ "$SECONDS" -lt "$deadline" ] || { kill "$daemon"; fail "manychipd did not serve within 30 s"; }
  sleep 0.1
done
port=$(cat "$scratch/port")
"$bin/manychipctl" --server "127.0.0.1:$port" nodes >"$scratch/nodes.out" ||
  fail "manychipctl nodes against the installed manychipd failed"
kill -TERM "$daemon"
wait "$daemon" || fail "manychipd exited $? on SIGTERM"
grep -q "catalog $data/catalog/devices.json" "$scratch/manychipd.err" ||
  fail "manychipd did not say it loaded $data/catalog/devices.json:\n$(cat "$scratch/manychipd.err")"

# The agent's dry run: stdout is the inventory as JSON, the log is on stderr.
"$bin/manychip-agent" --discover --dry-run >"$scratch/inventory.json" 2>"$scratch/agent.err" ||
  fail "manychip-agent --discover --dry-run exited $?"
grep -q "catalog $data/catalog/devices.json" "$scratch/agent.err" ||
  fail "manychip-agent did not log its catalog on stderr:\n$(cat "$scratch/agent.err")"
python3 -c 'import json, sys; n = json.load(open(sys.argv[1])); assert n["name"], n' \
  "$scratch/inventory.json" || fail "dry-run output is not the node JSON:\n$(cat "$scratch/inventory.json")"

# The simulator's openb protocol on a small run, on the installed trace.
"$bin/manychip-sim" openb --policy fgd --seeds 42 --tune 0.2 --threads 1 \
  --json "$scratch/openb.json" >"$scratch/openb.out" 2>"$scratch/openb.err" ||
  fail "manychip-sim openb exited $?:\n$(cat "$scratch/openb.err")"
grep -q "catalog $data/catalog/openb.json" "$scratch/openb.err" ||
  fail "manychip-sim openb did not say which catalog it loaded"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$scratch/openb.json" ||
  fail "manychip-sim openb --json is not JSON"
# pkg-config: the embed example builds and places a job with the .pc file only.
pcdir=$(dirname "$(find "$prefix" -name manychip.pc | head -1)")
[ -f "$pcdir/manychip.pc" ] || fail "no manychip.pc installed"
[ -d "$pcdir/../cmake/manychip" ] || fail "manychip.pc is not beside the CMake package"
export PKG_CONFIG_PATH=$pcdir
[ "$(pkg-config --modversion manychip)" == "$version" ] || fail "manychip.pc version"
# shellcheck disable=SC2046
c++ -std=c++20 -o "$scratch/minimal" "$source_dir/examples/embed/minimal.cc" \
  $(pkg-config --cflags --libs manychip) || fail "minimal.cc does not build with pkg-config"
"$scratch/minimal" "$data/catalog/devices.json" | grep -q placed ||
  fail "the pkg-config-built example did not place a job"

echo "installed binaries run from $scratch/cwd with no path flags"
