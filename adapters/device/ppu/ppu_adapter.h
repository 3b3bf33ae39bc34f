#pragma once

// PpuDeviceAdapter: Alibaba T-Head PPUs (ZW810E).
//
// Discover: `ppu-smi --query-gpu=index,uuid,name,memory.total,pci.bus_id
// --format=csv` (the nvidia-smi-compatible query, ParseQueryGpuCsv) plus
// `ppu-smi topo -m` when available; else PCI scan (vendor 1ded). 16 PPUs =
// board "ppu-16": sets of 1/2/4/8/16 as aligned blocks. Visibility:
// CUDA_VISIBLE_DEVICES with PPU-<uuid> ids (a "GPU-" prefix as ppu-smi -L
// prints it is rewritten to "PPU-"); no container-runtime selector or device
// node names are published (docs/design/vendors.md: n/f), so none are emitted.
// Partitions: MIG-style GI profiles 1g12gb / 2g24gb / 4g48gb of 8 slices.
//
// Thread-safety: immutable; all methods const.

#include "adapters/device/vendor_adapter_base.h"

namespace manychip {

class PpuDeviceAdapter final : public VendorAdapterBase {
 public:
  PpuDeviceAdapter() : VendorAdapterBase("ppu", {"1ded"}, /*allows_sharing=*/true) {}

  absl::StatusOr<DiscoveredDevices> Discover(const Catalog& catalog,
                                             const DiscoverOptions& options) const override;
  Visibility VisibilityFor(const NodeSpec& node, absl::Span<const int32_t> devices) const override;
  std::vector<PartitionProfileSpec> PartitionProfiles(const DeviceModelSpec& model) const override;
};

// Devices from an nvidia-smi-style CSV (ppu-smi, mthreads-gmi), models from
// the catalog by name among `vendor`'s models. Shared with the generic
// adapter for Moore Threads.
absl::StatusOr<std::vector<DeviceSpec>> DevicesFromSmiCsv(absl::string_view text,
                                                          absl::string_view what,
                                                          absl::string_view vendor,
                                                          const Catalog& catalog);

}  // namespace manychip
