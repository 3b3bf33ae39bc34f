#include "adapters/device/fake/fake_adapter.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/device/topology.h"
#include "manychip/codec/model.h"

namespace manychip {

absl::StatusOr<NodeSpec> LoadFakeNode(const std::string& path, const Catalog& catalog) {
  auto node = codec::LoadNodeFile(path, catalog);
  if (!node.ok() && absl::IsInvalidArgument(node.status()) &&
      !absl::StrContains(node.status().message(), path)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", node.status().message()));
  }
  return node;
}

absl::StatusOr<DiscoveredDevices> FakeDeviceAdapter::Discover(const Catalog& catalog,
                                                              const DiscoverOptions&) const {
  auto node = LoadFakeNode(inventory_path_, catalog);
  if (!node.ok()) return node.status();
  DiscoveredDevices out;
  out.devices = std::move(node->devices);
  out.software = std::move(node->software);
  out.board = std::move(node->board);
  return out;
}

ChooseResult FakeDeviceAdapter::Choose(const NodeSpec& node, absl::Span<const MilliDevices> free,
                                       const ChooseRequest& request) const {
  return topology::ChooseForNode("", node, free, request, /*allows_sharing_default=*/true);
}

Visibility FakeDeviceAdapter::VisibilityFor(const NodeSpec& node,
                                            absl::Span<const int32_t> devices) const {
  Visibility v;
  std::vector<std::string> ids;
  for (int32_t i : devices) ids.push_back(absl::StrCat(i));
  v.env["MANYCHIP_FAKE_VISIBLE_DEVICES"] = JoinIds(ids);
  v.container_env["MANYCHIP_FAKE_VISIBLE_DEVICES"] = JoinIds(RenumberedIds(devices.size()));
  return v;
}

absl::StatusOr<int> FakeDeviceAdapter::CompareStackVersions(absl::string_view stack,
                                                            absl::string_view a,
                                                            absl::string_view b) const {
  if (stack == "cann" || stack == "ascend-driver") return stack::CompareAscendVersions(a, b);
  return stack::CompareDottedVersions(a, b);
}

}  // namespace manychip
