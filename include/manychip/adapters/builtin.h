#pragma once

// RegisterBuiltinAdapters: the one explicit list of adapters compiled into
// manychip (no static-initialisation registration, STYLE.md §6).
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

#include "absl/status/status.h"
#include "manychip/adapters/adapter_registry.h"

namespace manychip {

// AlreadyExists if any built-in key is already registered.
absl::Status RegisterBuiltinAdapters(AdapterRegistry& registry);

}  // namespace manychip
