#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
build_dir="${MANYCHIP_BUILD_DIR:-build}"
ctest --test-dir "$build_dir" --output-on-failure -j "${MANYCHIP_JOBS:-$(nproc)}" "$@"
# The sanitizer subset (ASan + UBSan, scripts/sanitize.sh --ci) belongs to the
# suite; a run narrowed by ctest arguments, or MANYCHIP_SANITIZE_SUBSET=0,
# leaves it out.
if [ $# -eq 0 ] && [ "${MANYCHIP_SANITIZE_SUBSET:-1}" != 0 ]; then
  scripts/sanitize.sh --ci
fi
