#!/usr/bin/env bash
# Installs exactly the Debian 12 packages manychip needs that are missing.
# Idempotent and quick when everything is present. As non-root it prints the
# apt-get line to run and exits non-zero.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libspdlog-dev libboost-dev libboost-filesystem-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev
  openssl  # the mutual-TLS integration test makes its certificates with it
  etcd-server etcd-client  # the etcd StateStore's tests start a real etcd on loopback
  prometheus-cpp-dev  # manychipd's /metrics (the core library)
  prometheus chromium  # the operations and report tests scrape and render with them
  clang libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer targets with ASan + UBSan
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "manychip: missing packages; run as root:" >&2
  echo "  apt-get update && $cmd" >&2
  exit 1
fi

echo "manychip: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
$cmd >/dev/null
