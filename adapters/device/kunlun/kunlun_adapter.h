#pragma once

// KunlunDeviceAdapter: Baidu KunlunXin XPUs (P800, R200).
//
// Discover: `xpu-smi -q` (the per-device detail view), else the `xpu-smi`
// summary table (xpu_smi.h): index, model, bus id, memory, UUID and minor
// number (/dev/xpuN, the physical id), plus the stacks "kunlun-driver"
// (Driver Version) and "xre" (XPU-RT Version). The listing must agree with
// the PCI scan's count when the scan finds Kunlun functions; without the
// tool, the XPUs come from PCI (vendor 1d22, P800 device ids from the
// catalog) and no stacks are known. Links and NUMA come from `xpu-smi topo
// -m` when present (the matrix is in xpu-smi's index order). 8 x
// P800 is board "kunlun-p800-8": groups {0-3} and {4-7}; 1/2/4 never span a
// group, 8 takes the node. Visibility: XPU_VISIBLE_DEVICES (process),
// BAIDU_COM_DEVICE_IDX (what HAMi hands the container toolkit), /dev/xpuN and
// /dev/xpuctrl. Stacks: "xre", "kunlun-driver" (dotted numbers). Partitions:
// vXPU memory tiers of 1/4, 1/2 and the whole card.
//
// Thread-safety: immutable; all methods const.

#include "adapters/device/vendor_adapter_base.h"

namespace manychip {

class KunlunDeviceAdapter final : public VendorAdapterBase {
 public:
  KunlunDeviceAdapter() : VendorAdapterBase("kunlun", {"1d22"}, /*allows_sharing=*/true) {}

  absl::StatusOr<DiscoveredDevices> Discover(const Catalog& catalog,
                                             const DiscoverOptions& options) const override;
  Visibility VisibilityFor(const NodeSpec& node, absl::Span<const int32_t> devices) const override;
  std::vector<PartitionProfileSpec> PartitionProfiles(const DeviceModelSpec& model) const override;
};

}  // namespace manychip
