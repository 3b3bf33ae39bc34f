#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
build_dir="${MANYCHIP_BUILD_DIR:-build}"
ctest --test-dir "$build_dir" --output-on-failure -j "${MANYCHIP_JOBS:-$(nproc)}" "$@"
