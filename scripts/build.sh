#!/usr/bin/env bash
# Configures and builds manychip into build/ (or $MANYCHIP_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/bootstrap.sh"
build_dir="${MANYCHIP_BUILD_DIR:-build}"
build_type="${MANYCHIP_BUILD_TYPE:-RelWithDebInfo}"
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" ${MANYCHIP_CMAKE_ARGS:-}
fi
cmake --build "$build_dir" -j "${MANYCHIP_JOBS:-$(nproc)}"
