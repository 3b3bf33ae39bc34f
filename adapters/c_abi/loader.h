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

#include "manychip/adapters/builtin.h"  // declares LoadAdapterLibrary, LoadAdapterDir
