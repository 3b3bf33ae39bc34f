#pragma once

// NvidiaDeviceAdapter: NVIDIA GPUs (A800, H20, H100, ...).
//
// Discover: NVML via dlopen (nvml_library.h; DiscoverOptions::nvml_library);
// no libnvidia-ml.so.1 = GPUs seen on PCI reported unhealthy, not an error. A
// recorded host (tool_output_dir) is read from nvidia-smi output instead
// (nvidia_smi.h). Boards: "hgx-8" (8 GPUs on NVSwitch: any 1-8, NUMA halves
// preferred), "pcie" (any subset, NUMA-packed). Visibility:
// CUDA_VISIBLE_DEVICES (process) and NVIDIA_VISIBLE_DEVICES (container
// runtime) carry GPU UUIDs when known, else NVML indexes; device nodes
// /dev/nvidiaN plus /dev/nvidiactl, /dev/nvidia-uvm, /dev/nvidia-uvm-tools.
// Stacks: "nvidia-driver", "cuda" (CUDA 11/12/13 need driver >= 450/525/580).
//
// Thread-safety: immutable; all methods const.

#include "adapters/device/vendor_adapter_base.h"

namespace manychip {

class NvidiaDeviceAdapter final : public VendorAdapterBase {
 public:
  NvidiaDeviceAdapter() : VendorAdapterBase("nvidia", {"10de"}, /*allows_sharing=*/true) {}

  absl::StatusOr<DiscoveredDevices> Discover(const Catalog& catalog,
                                             const DiscoverOptions& options) const override;
  Visibility VisibilityFor(const NodeSpec& node, absl::Span<const int32_t> devices) const override;
  // "cuda": a required CUDA version is met when the node's driver branch is
  // at least the minimum for that CUDA major (minor-version compatibility).
  absl::Status CheckStack(const NodeSpec& node, absl::string_view stack,
                          absl::string_view min_version) const override;
  std::vector<PartitionProfileSpec> PartitionProfiles(const DeviceModelSpec& model) const override;

 private:
  // A recorded host's nvidia-smi output (nvidia_smi.h); NotFound when the
  // query was not recorded.
  absl::StatusOr<DiscoveredDevices> DiscoverFromNvidiaSmi(const Catalog& catalog,
                                                          const DiscoverOptions& options) const;
};

}  // namespace manychip
