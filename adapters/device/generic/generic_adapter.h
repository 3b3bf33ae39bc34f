#pragma once

// GenericDeviceAdapter: whole cards, for vendors with no specific adapter
// (Cambricon, Hygon, MetaX, Biren, Moore Threads, Enflame, Iluvatar,
// Zhonghao). Discovers by PCI scan of the vendor's PCI ids (and the
// catalog's), or by an nvidia-smi-style CSV tool where the vendor ships one
// (mthreads-gmi). Eight identical Cambricon MLU370 / MLU590 or MetaX C500
// cards are given their board (cambricon-mlu370-x8, cambricon-mlu590-h8,
// metax-c500-8: link rules in topology.h); other nodes choose any free cards,
// NUMA-packed. Shares are refused (kUnsupported). Visibility uses the vendor's documented
// selectors and device nodes (docs/design/vendors.md §1a); unknown ones are left out
// rather than invented.
//
// Thread-safety: immutable; all methods const.

#include <string>
#include <vector>

#include "adapters/device/vendor_adapter_base.h"

namespace manychip {

struct GenericVendorSpec {
  std::string vendor;  // catalog vendor key
  std::vector<std::string> pci_vendor_ids;
  std::string process_env;                // e.g. "MLU_VISIBLE_DEVICES"; "" = unknown
  std::string container_env;              // e.g. "CAMBRICON_VISIBLE_DEVICES"
  std::string device_node_pattern;        // "/dev/cambricon_dev{}" ({} = physical id)
  std::vector<std::string> shared_nodes;  // "/dev/cambricon_ctl", ...
  std::string csv_tool;                   // "mthreads-gmi"; "" = PCI only
};

class GenericDeviceAdapter final : public VendorAdapterBase {
 public:
  explicit GenericDeviceAdapter(GenericVendorSpec spec)
      : VendorAdapterBase(spec.vendor, spec.pci_vendor_ids, /*allows_sharing=*/false),
        spec_(std::move(spec)) {}

  absl::StatusOr<DiscoveredDevices> Discover(const Catalog& catalog,
                                             const DiscoverOptions& options) const override;
  Visibility VisibilityFor(const NodeSpec& node, absl::Span<const int32_t> devices) const override;

 private:
  // Devices only; Discover adds the board.
  absl::StatusOr<DiscoveredDevices> DiscoverDevices(const Catalog& catalog,
                                                    const DiscoverOptions& options) const;

  GenericVendorSpec spec_;
};

// The built-in list of generic vendors.
std::vector<GenericVendorSpec> GenericVendors();

}  // namespace manychip
