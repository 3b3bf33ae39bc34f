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

 private:
  std::string vendor_;
  std::vector<std::string> pci_vendor_ids_;
  bool allows_sharing_;
};

// "0,1,3" from device indexes or any per-device string.
std::string JoinIds(const std::vector<std::string>& ids);

// "0".."k-1": ids as a container that sees only k devices numbers them.
std::vector<std::string> RenumberedIds(size_t k);

}  // namespace manychip
