#!/usr/bin/env bash
# Builds fuzz/ as libFuzzer targets (clang, ASan + UBSan) into build-fuzz/
# and runs each for a bounded time.
#
#   scripts/fuzz.sh                  # every target, 60 s each
#   scripts/fuzz.sh 300 job node     # two targets, 5 min each
#
# Seeds come from fuzz/corpus/<name>/ (never written to); what the fuzzer
# finds new goes to build-fuzz/corpus/<name>/, crashes to
# build-fuzz/artifacts/<name>/ (a failing run exits non-zero and names the
# file; replay it with build-fuzz/bin/<name>_fuzzer FILE). A crash worth
# keeping as a regression seed is copied into fuzz/corpus/<name>/ by hand.
#
# Only the layers the targets reach are built (core, codec, adapters, sim,
# the generated protos, and for agent_stream the service layer); no tests or
# apps.
# CI does not run this script: the gcc build replays every seed corpus
# instead (ctest -L fuzz, well under a second), because the clang build of
# the layers alone takes minutes on CI's 2 cores (README in fuzz/).
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/bootstrap.sh"
seconds="${1:-60}"
shift || true
build_dir="${MANYCHIP_FUZZ_BUILD_DIR:-build-fuzz}"
all=(job node catalog profile workload openb_csv vendor_tools c_abi agent_stream)
targets=("${@:-${all[@]}}")
if [ ! -f "$build_dir/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMANYCHIP_FUZZ=ON -DMANYCHIP_BUILD_TESTS=OFF -DMANYCHIP_BUILD_APPS=OFF \
    -DMANYCHIP_BUILD_BENCHMARKS=OFF -DMANYCHIP_INSTALL=OFF -DMANYCHIP_WERROR=OFF \
    ${MANYCHIP_CMAKE_ARGS:-}
fi
cmake --build "$build_dir" -j "${MANYCHIP_JOBS:-$(nproc)}" \
  --target "${targets[@]/%/_fuzzer}"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$build_dir/corpus/$t" "$build_dir/artifacts/$t"
  echo "== $t: ${seconds}s"
  if ! "$build_dir/bin/${t}_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$build_dir/artifacts/$t/" -print_final_stats=1 \
      "$build_dir/corpus/$t" "fuzz/corpus/$t"; then
    echo "== $t: FAILED (see $build_dir/artifacts/$t/)" >&2
    status=1
  fi
done
exit "$status"
