#include "manychip/adapters/discovery.h"

#include "absl/strings/str_cat.h"
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
    if (found->devices.empty()) continue;
    if (!host->SupportsVendorStack(adapter->vendor())) {
      spdlog::warn("{} devices found on a {} host, where no {} stack ships",
                   std::string(adapter->vendor()), std::string(ArchName(*arch)),
                   std::string(adapter->vendor()));
    }
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
  for (size_t i = 0; i < node.devices.size(); ++i) {
    if (node.devices[i].index != static_cast<int32_t>(i)) {
      return absl::InternalError(
          absl::StrCat("device ", i, " has index ", node.devices[i].index, " after merging"));
    }
  }
  return node;
}

}  // namespace manychip
