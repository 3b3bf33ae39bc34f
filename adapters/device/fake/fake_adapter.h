#pragma once

// FakeDeviceAdapter: an inventory file (a v1::Node JSON: any vendor, any
// arch, any topology) instead of real hardware, for the simulator, the demo
// agents and tests.
//
// Discover returns the file's devices, software and board. Choose delegates
// to the real board rules (topology.h) when the inventory names a built-in
// board, else picks NUMA-packed free devices. Visibility is
// MANYCHIP_FAKE_VISIBLE_DEVICES (node indexes) so a demo task can print what
// it was given.
//
// Thread-safety: immutable; Discover re-reads the file on each call.
//
//   registry.RegisterDevice(std::make_unique<FakeDeviceAdapter>("node.json"));
//   MC_ASSIGN_OR_RETURN(NodeSpec node, LoadFakeNode("node.json", catalog));

#include <string>

#include "adapters/device/vendor_adapter_base.h"
#include "manychip/adapters/builtin.h"  // LoadFakeNode

namespace manychip {

class FakeDeviceAdapter final : public VendorAdapterBase {
 public:
  explicit FakeDeviceAdapter(std::string inventory_path)
      : VendorAdapterBase("fake", {}, /*allows_sharing=*/true),
        inventory_path_(std::move(inventory_path)) {}

  absl::StatusOr<DiscoveredDevices> Discover(const Catalog& catalog,
                                             const DiscoverOptions& options) const override;
  ChooseResult Choose(const NodeSpec& node, absl::Span<const MilliDevices> free,
                      const ChooseRequest& request) const override;
  Visibility VisibilityFor(const NodeSpec& node, absl::Span<const int32_t> devices) const override;
  // "cann"/"ascend-driver" compare Ascend-style, everything else dotted.
  absl::StatusOr<int> CompareStackVersions(absl::string_view stack, absl::string_view a,
                                           absl::string_view b) const override;

  const std::string& inventory_path() const { return inventory_path_; }

 private:
  std::string inventory_path_;
};

}  // namespace manychip
