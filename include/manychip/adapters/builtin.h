#pragma once

// RegisterBuiltinAdapters: the one explicit list of adapters compiled into
// manychip (no static-initialisation registration, docs/design/style.md §6).
//
// Hosts: x86_64, aarch64, riscv64. Devices, by vendor key: nvidia, ascend,
// kunlun, ppu, and generic whole-card adapters for cambricon, hygon, metax,
// biren, moore-threads, enflame, iluvatar, zhonghao. The fake adapter needs an
// inventory file, so callers register it themselves (FakeDeviceAdapter).
//
//   AdapterRegistry registry;
//   MC_RETURN_IF_ERROR(RegisterBuiltinAdapters(registry));
//   MC_RETURN_IF_ERROR(LoadAdapterDir(flags.adapter_dir, registry));  // third-party .so
//
// Thread-safety: fills `registry`, which must not be read concurrently.

#include <string>

#include "absl/status/status.h"
#include "manychip/adapters/adapter_registry.h"

namespace manychip {

// AlreadyExists if any built-in key is already registered.
absl::Status RegisterBuiltinAdapters(AdapterRegistry& registry);

// Loads every "*.so" C-ABI adapter in `dir` (`--adapter-dir`) and registers
// it; see adapters/c_abi/loader.h. Empty `dir` = nothing; a refused library
// is FailedPrecondition naming the file.
absl::Status LoadAdapterDir(const std::string& dir, AdapterRegistry& registry);

}  // namespace manychip
