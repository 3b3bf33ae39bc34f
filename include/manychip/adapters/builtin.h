#pragma once

// RegisterBuiltinAdapters: the one explicit list of adapters compiled into
// manychip (no static-initialisation registration, docs/design/style.md §6).
//
// Hosts: x86_64, aarch64, riscv64. Devices, by vendor key: nvidia, ascend,
// kunlun, ppu, and generic whole-card adapters for cambricon, hygon, metax,
// biren, moore-threads, enflame, iluvatar, zhonghao. The fake adapter needs an
// inventory file, so it is not registered here; LoadFakeNode reads one.
//
//   AdapterRegistry registry;
//   MC_RETURN_IF_ERROR(RegisterBuiltinAdapters(registry));
//   MC_RETURN_IF_ERROR(LoadAdapterDir(flags.adapter_dir, registry));  // third-party .so
//
// Thread-safety: fills `registry`, which must not be read concurrently.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "manychip/adapters/adapter_registry.h"
#include "manychip/core/catalog.h"
#include "manychip/core/node.h"

namespace manychip {

// AlreadyExists if any built-in key is already registered.
absl::Status RegisterBuiltinAdapters(AdapterRegistry& registry);

// Loads one third-party adapter built against the C ABI
// (manychip/adapters/c_api/manychip_adapter.h) and wraps it as a
// DeviceAdapter; the library stays loaded for the adapter's lifetime.
// Refusals are FailedPrecondition naming the file: a library that cannot be
// dlopen'ed, a missing `manychip_device_adapter_get`, no table for the host's
// ABI major, a table of another ABI major ("adapter ABI 2.0, host ABI 1.0"),
// a table too small for ABI 1.0 or with a required function missing.
absl::StatusOr<std::unique_ptr<DeviceAdapter>> LoadAdapterLibrary(const std::string& path);

// Loads every "*.so" C-ABI adapter in `dir` (`--adapter-dir`) in file-name
// order and registers it. Empty `dir` = nothing; a missing directory is
// NotFound. Stops at the first refused library (a half-loaded adapter set
// would schedule unpredictably).
absl::Status LoadAdapterDir(const std::string& dir, AdapterRegistry& registry);

// The whole node of an inventory file (host fields included, the format of
// examples/inventories), as the fake adapter reports it: InvalidArgument
// names the file and the field path.
absl::StatusOr<NodeSpec> LoadFakeNode(const std::string& path, const Catalog& catalog);

}  // namespace manychip
