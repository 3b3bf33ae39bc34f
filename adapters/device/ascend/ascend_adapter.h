#pragma once

// AscendDeviceAdapter: Huawei Ascend NPUs (910A, 910B, 910C/A3, 310P).
//
// Discover: DCMI through dlopen (dcmi_library.h) on a live host, else `npu-smi
// info` (ParseNpuSmiInfo) with `npu-smi info -t topo` for the links, else PCI
// scan of vendor 19e5. NUMA nodes come from sysfs by bus id (DCMI's or
// npu-smi's). Links between NPUs (HCCS high-speed, PCIe switch, host bridge,
// SMP) fill DeviceSpec::links; they can veto a board the chip count alone
// suggests (8 x 910B on PCIe is no Atlas 800T A2) and, on a node without a
// board rule, name link groups after HCCS islands ("hccs-0"). Installed stacks ("cann", and
// "ascend-driver" when no tool reported it) come from the install-info files under
// DiscoverOptions::host_root (cann_version.h). The board is inferred from the chips found (8 x 910B
// = atlas-800t-a2, 16 x 910B = atlas-box16, 8 / 4 x 910A = ascend-910a-module / -half, 16 x 910C =
// ascend-a3-16, 310P Duo cards = ascend-310p-card); a node file may name it explicitly. Boards and
// rules: topology.h. Ids: DeviceSpec::index is the logical id (ASCEND_RT_VISIBLE_DEVICES, the
// process selector), DeviceSpec::physical_id the physical id
// (ASCEND_VISIBLE_DEVICES for Ascend Docker Runtime, /dev/davinciN).
// Stacks: "cann" and "ascend-driver" ordered as 8.0.RC2 < 8.0.0 < 8.1.RC1.
// Partitions: vNPU templates per model (docs/design/vendors.md §3.2).
//
// Thread-safety: immutable; all methods const.

#include <string>
#include <vector>

#include "adapters/device/vendor_adapter_base.h"

namespace manychip {

class AscendDeviceAdapter final : public VendorAdapterBase {
 public:
  AscendDeviceAdapter() : VendorAdapterBase("ascend", {"19e5"}, /*allows_sharing=*/true) {}

  absl::StatusOr<DiscoveredDevices> Discover(const Catalog& catalog,
                                             const DiscoverOptions& options) const override;
  Visibility VisibilityFor(const NodeSpec& node, absl::Span<const int32_t> devices) const override;
  absl::StatusOr<int> CompareStackVersions(absl::string_view stack, absl::string_view a,
                                           absl::string_view b) const override;
  std::vector<PartitionProfileSpec> PartitionProfiles(const DeviceModelSpec& model) const override;

 private:
  // Devices without the installed-stack files.
  absl::StatusOr<DiscoveredDevices> DiscoverDevices(const Catalog& catalog,
                                                    const DiscoverOptions& options) const;
};

namespace ascend {
// Board shape for `count` chips of catalog model `model_id`,
// `chips_per_card` chips on each card; "" when no rule applies.
std::string InferBoard(const std::string& model_id, int count, int chips_per_card);
}  // namespace ascend

}  // namespace manychip
