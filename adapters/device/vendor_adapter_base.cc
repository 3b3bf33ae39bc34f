#include "adapters/device/vendor_adapter_base.h"

#include "absl/strings/str_join.h"
#include "adapters/common/pci_scan.h"
#include "adapters/device/topology.h"

namespace manychip {

absl::StatusOr<DiscoveredDevices> VendorAdapterBase::Discover(
    const Catalog& catalog, const DiscoverOptions& options) const {
  return DiscoverByPci(catalog, options);
}

absl::StatusOr<DiscoveredDevices> VendorAdapterBase::DiscoverByPci(
    const Catalog& catalog, const DiscoverOptions& options) const {
  auto functions = ScanPci(options.sysfs_root);
  if (!functions.ok()) return functions.status();
  DiscoveredDevices out;
  out.devices =
      PciDevicesOfVendor(*functions, vendor_, pci_vendor_ids_, catalog, &out.unrecognized);
  return out;
}

absl::Status VendorAdapterBase::FillNumaFromSysfs(const DiscoverOptions& options,
                                                  std::vector<DeviceSpec>& devices) const {
  auto functions = ScanPci(options.sysfs_root);
  if (!functions.ok()) return functions.status();
  FillNumaFromPci(*functions, devices);
  return absl::OkStatus();
}

ChooseResult VendorAdapterBase::Choose(const NodeSpec& node, absl::Span<const MilliDevices> free,
                                       const ChooseRequest& request) const {
  return topology::ChooseForNode(vendor_, node, free, request, allows_sharing_);
}

absl::StatusOr<int> VendorAdapterBase::CompareStackVersions(absl::string_view stack,
                                                            absl::string_view a,
                                                            absl::string_view b) const {
  return stack::CompareDottedVersions(a, b);
}

absl::Status VendorAdapterBase::CheckStack(const NodeSpec& node, absl::string_view stack,
                                           absl::string_view min_version) const {
  return stack::CheckMinVersion(node, stack, min_version,
                                [this, stack](absl::string_view a, absl::string_view b) {
                                  return CompareStackVersions(stack, a, b);
                                });
}

SelectorIds UuidOrPhysicalIds(const NodeSpec& node, absl::Span<const int32_t> devices,
                              std::string (*from_uuid)(const std::string& uuid)) {
  SelectorIds out;
  out.by_uuid = true;
  for (int32_t i : devices) out.by_uuid &= !node.devices[i].uuid.empty();
  for (int32_t i : devices) {
    const DeviceSpec& d = node.devices[i];
    out.ids.push_back(out.by_uuid ? from_uuid(d.uuid)
                                  : std::to_string(d.physical_id >= 0 ? d.physical_id : d.index));
  }
  return out;
}

std::string JoinIds(const std::vector<std::string>& ids) { return absl::StrJoin(ids, ","); }

std::vector<std::string> RenumberedIds(size_t k) {
  std::vector<std::string> out;
  for (size_t i = 0; i < k; ++i) out.push_back(std::to_string(i));
  return out;
}

}  // namespace manychip
