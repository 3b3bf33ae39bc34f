#pragma once

// Loads third-party device adapters built against the C ABI
// (include/manychip/adapters/c_api/manychip_adapter.h) and wraps each as a
// DeviceAdapter. The agent and the daemon call LoadAdapterDir for
// `--adapter-dir`.
//
// Refusals are FailedPrecondition and name the file: a library that cannot
// be dlopen'ed, a missing `manychip_device_adapter_get`, an entry point that
// returns no table for the host's ABI major, a table of another ABI major
// ("adapter ABI 2.0, host ABI 1.0"), a table too small for ABI 1.0 or with a
// required function missing.
//
//   AdapterRegistry registry;
//   MC_RETURN_IF_ERROR(RegisterBuiltinAdapters(registry));
//   MC_RETURN_IF_ERROR(LoadAdapterDir("/opt/manychip/adapters", registry));
//
// Thread-safety: loading is single-threaded; the returned adapters follow
// DeviceAdapter's rules (the .so must make choose/visibility/compare_versions
// thread-safe, as the C header says). The library stays loaded for the
// adapter's lifetime.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "manychip/adapters/adapter_registry.h"

namespace manychip {

absl::StatusOr<std::unique_ptr<DeviceAdapter>> LoadAdapterLibrary(const std::string& path);

// Loads every "*.so" in `dir` in file-name order and registers it. An empty
// `dir` loads nothing; a missing directory is NotFound. Stops at the first
// failure (a half-loaded adapter set would schedule unpredictably).
absl::Status LoadAdapterDir(const std::string& dir, AdapterRegistry& registry);

}  // namespace manychip
