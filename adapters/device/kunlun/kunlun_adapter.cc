#include "adapters/device/kunlun/kunlun_adapter.h"

#include "absl/strings/str_cat.h"
#include "adapters/common/smi_output.h"
#include "adapters/common/tool_runner.h"

namespace manychip {

absl::StatusOr<DiscoveredDevices> KunlunDeviceAdapter::Discover(
    const Catalog& catalog, const DiscoverOptions& options) const {
  auto found = DiscoverByPci(catalog, options);
  if (!found.ok() || found->devices.empty()) return found;
  auto topo_text = RunTool(options, {"xpu-smi", {"topo", "-m"}});
  if (topo_text.ok()) {
    auto topo = ParseTopoMatrix(*topo_text, "XPU", "xpu-smi topo -m");
    if (!topo.ok()) return topo.status();
    MC_RETURN_IF_ERROR(ApplyTopo(*topo, found->devices, "xpu-smi topo -m"));
  } else if (!absl::IsNotFound(topo_text.status())) {
    return topo_text.status();
  }
  bool all_p800 = true;
  for (const DeviceSpec& d : found->devices) {
    all_p800 &= catalog.model(d.model).id == "kunlun-p800";
  }
  if (all_p800 && found->devices.size() == 8) {
    found->board = "kunlun-p800-8";
    for (DeviceSpec& d : found->devices) d.link_group = d.index < 4 ? "group-0" : "group-1";
  }
  return found;
}

Visibility KunlunDeviceAdapter::VisibilityFor(const NodeSpec& node,
                                              absl::Span<const int32_t> devices) const {
  Visibility v;
  std::vector<std::string> ids;
  for (int32_t i : devices) {
    const DeviceSpec& d = node.devices[i];
    const int32_t phy = d.physical_id >= 0 ? d.physical_id : d.index;
    ids.push_back(absl::StrCat(phy));
    v.device_nodes.push_back(absl::StrCat("/dev/xpu", phy));
  }
  v.device_nodes.push_back("/dev/xpuctrl");
  v.env["XPU_VISIBLE_DEVICES"] = JoinIds(ids);
  v.env["BAIDU_COM_DEVICE_IDX"] = JoinIds(ids);
  v.container_env["BAIDU_COM_DEVICE_IDX"] = JoinIds(ids);
  v.container_env["XPU_VISIBLE_DEVICES"] = JoinIds(RenumberedIds(devices.size()));
  return v;
}

std::vector<PartitionProfileSpec> KunlunDeviceAdapter::PartitionProfiles(
    const DeviceModelSpec& model) const {
  if (!model.partitions.empty()) return model.partitions;
  if (model.id != "kunlun-p800") return {};
  // HAMi vXPU: memory requests round up to a quarter, half or all of 96 GiB.
  return {{"vxpu-24g", "vxpu", MilliDevices::FromRaw(250), MiB::FromRaw(24576)},
          {"vxpu-48g", "vxpu", MilliDevices::FromRaw(500), MiB::FromRaw(49152)},
          {"vxpu-96g", "vxpu", MilliDevices::FromRaw(1000), MiB::FromRaw(98304)}};
}

}  // namespace manychip
