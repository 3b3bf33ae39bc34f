#include "manychip/adapters/discovery.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/host/host_adapter_base.h"
#include "spdlog/spdlog.h"

namespace manychip {

absl::StatusOr<NodeSpec> DiscoverNode(const AdapterRegistry& registry, const Catalog& catalog,
                                      const DiscoverOptions& device_options,
                                      const HostProbeOptions& host_options, std::string node_name) {
  absl::StatusOr<Arch> arch =
      host_options.arch.empty() ? RunningArch() : ParseArch(host_options.arch);
  if (!arch.ok()) return arch.status();
  const HostAdapter* host = registry.FindHost(*arch);
  if (host == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no host adapter registered for ", ArchName(*arch)));
  }
  auto info = host->Probe(host_options);
  if (!info.ok()) return info.status();

  NodeSpec node;
  node.name = std::move(node_name);
  node.arch = info->arch;
  node.cpu_model = info->cpu_model;
  node.cpu_features = info->cpu_features;
  node.cpu = MilliCpu::FromRaw(info->cpu_milli);
  node.memory = MiB::FromRaw(info->memory_mib);

  int vendors_with_devices = 0;
  for (const DeviceAdapter* adapter : registry.device_adapters()) {
    auto found = adapter->Discover(catalog, device_options);
    if (!found.ok()) {
      return absl::Status(found.status().code(),
                          absl::StrCat(adapter->vendor(), ": ", found.status().message()));
    }
    for (UnrecognizedDeviceSpec& u : found->unrecognized) {
      node.unrecognized_devices.push_back(std::move(u));
    }
    if (found->devices.empty()) continue;
    ++vendors_with_devices;
    const int32_t offset = static_cast<int32_t>(node.devices.size());
    for (DeviceSpec& d : found->devices) {
      if (d.physical_id < 0 && offset > 0) d.physical_id = d.index;
      d.index += offset;
      for (DeviceLinkSpec& l : d.links) l.peer += offset;
      node.devices.push_back(std::move(d));
    }
    for (auto& [k, v] : found->software) node.software.emplace(k, v);
    node.board = vendors_with_devices == 1 ? found->board : "";
  }
  for (const std::string& w : StackWarnings(node, catalog)) spdlog::warn("discovery: {}", w);
  for (size_t i = 0; i < node.devices.size(); ++i) {
    if (node.devices[i].index != static_cast<int32_t>(i)) {
      return absl::InternalError(
          absl::StrCat("device ", i, " has index ", node.devices[i].index, " after merging"));
    }
  }
  return node;
}

std::vector<std::string> StackWarnings(const NodeSpec& node, const Catalog& catalog) {
  std::map<int32_t, int> count_by_model;
  for (const DeviceSpec& d : node.devices) {
    if (d.model >= 0 && d.model < catalog.size()) ++count_by_model[d.model];
  }
  std::vector<std::string> out;
  for (const auto& [index, count] : count_by_model) {
    const DeviceModelSpec& m = catalog.model(index);
    if (m.StackShipsFor(node.arch)) continue;
    out.push_back(absl::StrCat(count, " ", m.id, " device", count == 1 ? "" : "s", " on a ",
                               ArchName(node.arch), " host: the catalog ships its ", m.vendor,
                               " stack for ", absl::StrJoin(m.host_arches, ", "), " only"));
  }
  return out;
}

}  // namespace manychip
