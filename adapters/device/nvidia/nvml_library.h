#pragma once

// NVML through dlopen("libnvidia-ml.so.1"): the build needs no CUDA toolkit
// and a host without the driver simply has no NVIDIA GPUs.
//
// Thread-safety: ReadNvmlSnapshot may be called from one thread at a time
// (NVML init/shutdown are reference counted by the library itself).

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "adapters/device/nvidia/nvml_inventory.h"

namespace manychip::nvidia {

// nullopt when `library` (normally "libnvidia-ml.so.1") cannot be loaded (no
// driver): not an error. Unavailable when the library loads but NVML fails
// (driver/library mismatch, missing symbol), with the NVML call and its
// error code. NUMA nodes are read under `sysfs_root`.
absl::StatusOr<std::optional<NvmlSnapshot>> ReadNvmlSnapshot(const std::string& library,
                                                             const std::string& sysfs_root);

}  // namespace manychip::nvidia
