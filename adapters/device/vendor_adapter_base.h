#pragma once

// VendorAdapterBase: what every built-in device adapter shares. Choose runs
// the board rules (topology.h) keyed on NodeSpec::board; Discover falls back
// to a PCI scan by the vendor's PCI ids; CheckStack compares versions with the
// vendor's comparator. Subclasses add their discovery tool, visibility and
// stack rules.
//
// Thread-safety: immutable after construction; all methods const.

#include <string>
#include <vector>

#include "adapters/common/stack_version.h"
#include "manychip/adapters/device_adapter.h"

namespace manychip {

class VendorAdapterBase : public DeviceAdapter {
 public:
  VendorAdapterBase(std::string vendor, std::vector<std::string> pci_vendor_ids,
                    bool allows_sharing)
      : vendor_(std::move(vendor)),
        pci_vendor_ids_(std::move(pci_vendor_ids)),
        allows_sharing_(allows_sharing) {}

  absl::string_view vendor() const override { return vendor_; }

  // PCI fallback only; vendors with a management tool override this.
  absl::StatusOr<DiscoveredDevices> Discover(const Catalog& catalog,
                                             const DiscoverOptions& options) const override;

  ChooseResult Choose(const NodeSpec& node, absl::Span<const MilliDevices> free,
                      const ChooseRequest& request) const override;

  // Dotted numeric versions unless a subclass knows better.
  absl::StatusOr<int> CompareStackVersions(absl::string_view stack, absl::string_view a,
                                           absl::string_view b) const override;

  absl::Status CheckStack(const NodeSpec& node, absl::string_view stack,
                          absl::string_view min_version) const override;

  const std::vector<std::string>& pci_vendor_ids() const { return pci_vendor_ids_; }

 protected:
  // The vendor's devices found by PCI scan, for Discover overrides whose tool
  // is missing.
  absl::StatusOr<DiscoveredDevices> DiscoverByPci(const Catalog& catalog,
                                                  const DiscoverOptions& options) const;

  // Fills unknown NUMA nodes of tool-discovered devices from the PCI scan
  // (by bus id); a broken sysfs tree is an error, as in DiscoverByPci.
  absl::Status FillNumaFromSysfs(const DiscoverOptions& options,
                                 std::vector<DeviceSpec>& devices) const;

 private:
  std::string vendor_;
  std::vector<std::string> pci_vendor_ids_;
  bool allows_sharing_;
};

// Selector ids for a CUDA-style selector (NVIDIA, PPU): each device's UUID,
// rewritten by `from_uuid`, when every chosen device has one (UUIDs survive
// the container boundary, where indexes restart at 0); else each device's
// physical id (its index when none is known).
struct SelectorIds {
  std::vector<std::string> ids;
  bool by_uuid = false;
};
SelectorIds UuidOrPhysicalIds(const NodeSpec& node, absl::Span<const int32_t> devices,
                              std::string (*from_uuid)(const std::string& uuid));

// "0,1,3" from device indexes or any per-device string.
std::string JoinIds(const std::vector<std::string>& ids);

// "0".."k-1": ids as a container that sees only k devices numbers them.
std::vector<std::string> RenumberedIds(size_t k);

}  // namespace manychip
