#!/usr/bin/env bash
# Builds with AddressSanitizer + UndefinedBehaviorSanitizer (the existing
# MANYCHIP_SANITIZE option, gcc) into build-asan/ and runs a subset of the
# suite there:
#
#   core, codec, adapters and sim unit tests, and the fuzz corpus replays
#   (ctest -L fuzz): every layer that parses outside input or does the
#   scheduling arithmetic, linked without the gRPC service layer.
#
# Left out, and why: the service, store and integration tests link gRPC and
# run real daemons, agents and etcd; under ASan their build and run are the
# largest part of the suite's time, and the memory errors ASan finds are far
# likelier in the parsing and scheduling code above. Pass test binary names
# to choose another subset, e.g. `scripts/sanitize.sh manychip_service_tests`.
#
# `scripts/sanitize.sh --ci` is the subset scripts/test.sh runs (and so CI):
# the corpus replays of the job, node, catalog and profile fuzz targets, which
# drive every JSON and protobuf parser of jobs, inventories, catalogs and
# profiles and the job validation behind SubmitJob. It compiles only core,
# codec and the generated messages, so it fits CI's 2 cores next to the normal
# build; the wider default subset above does not (docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/bootstrap.sh"
build_dir="${MANYCHIP_ASAN_BUILD_DIR:-build-asan}"
default_tests=(manychip_core_tests manychip_codec_tests manychip_adapters_tests manychip_sim_tests)
fuzzers=(job node catalog profile workload openb_csv vendor_tools c_abi)
if [ "${1:-}" = "--ci" ]; then
  shift
  default_tests=()
  fuzzers=(job node catalog profile)
fi
if [ $# -gt 0 ]; then tests=("$@"); else tests=("${default_tests[@]}"); fi
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMANYCHIP_SANITIZE=ON \
    -DMANYCHIP_BUILD_APPS=OFF -DMANYCHIP_BUILD_BENCHMARKS=OFF -DMANYCHIP_INSTALL=OFF \
    ${MANYCHIP_CMAKE_ARGS:-}
fi
targets=("${tests[@]}")
if [ $# -eq 0 ]; then targets+=("${fuzzers[@]/%/_fuzzer}"); fi
cmake --build "$build_dir" -j "${MANYCHIP_JOBS:-$(nproc)}" --target "${targets[@]}"
# Any report fails the test: ASan aborts by default, UBSan is told to.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
for t in "${tests[@]}"; do
  echo "== $t"
  "$build_dir/bin/$t" --gtest_brief=1 || status=1
done
if [ $# -eq 0 ]; then
  regex="^fuzz\\.($(IFS='|'; echo "${fuzzers[*]}"))\$"
  ctest --test-dir "$build_dir" --output-on-failure -L fuzz -R "$regex" || status=1
fi
exit "$status"
