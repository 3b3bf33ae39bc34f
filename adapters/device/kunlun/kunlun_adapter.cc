#include "adapters/device/kunlun/kunlun_adapter.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "adapters/common/smi_output.h"
#include "adapters/common/tool_runner.h"
#include "adapters/device/kunlun/xpu_smi.h"
#include "manychip/status.h"

namespace manychip {

namespace {

// The tool prints "P800 OAM" / "P800 PCIe"; catalog ids and aliases are
// "kunlun-p800", "P800", "P800-OAM". Tried in that order: the name as
// printed, with spaces as dashes, then its first word (the chip).
const DeviceModelSpec* FindKunlunModel(const Catalog& catalog, absl::string_view name) {
  std::vector<std::string> tries = {std::string(name), absl::StrReplaceAll(name, {{" ", "-"}})};
  std::vector<absl::string_view> words = absl::StrSplit(name, ' ', absl::SkipEmpty());
  if (!words.empty()) tries.emplace_back(words[0]);
  for (const std::string& t : tries) {
    const DeviceModelSpec* m = catalog.Find(t);
    if (m != nullptr && m->vendor == "kunlun") return m;
  }
  return nullptr;
}

// `xpu-smi -q` (the detail view), else `xpu-smi` (the summary table);
// nullopt when neither is installed.
absl::StatusOr<std::optional<kunlun::XpuSmiReport>> ReadXpuSmi(const DiscoverOptions& options) {
  auto detail = RunTool(options, {"xpu-smi", {"-q"}});
  if (detail.ok()) {
    MC_ASSIGN_OR_RETURN(kunlun::XpuSmiReport r, kunlun::ParseXpuSmiQuery(*detail));
    return std::optional<kunlun::XpuSmiReport>(std::move(r));
  }
  if (!absl::IsNotFound(detail.status())) return detail.status();
  auto table = RunTool(options, {"xpu-smi", {}});
  if (table.ok()) {
    MC_ASSIGN_OR_RETURN(kunlun::XpuSmiReport r, kunlun::ParseXpuSmiTable(*table));
    return std::optional<kunlun::XpuSmiReport>(std::move(r));
  }
  if (!absl::IsNotFound(table.status())) return table.status();
  return std::optional<kunlun::XpuSmiReport>();
}

}  // namespace

absl::StatusOr<DiscoveredDevices> KunlunDeviceAdapter::Discover(
    const Catalog& catalog, const DiscoverOptions& options) const {
  MC_ASSIGN_OR_RETURN(std::optional<kunlun::XpuSmiReport> report, ReadXpuSmi(options));
  MC_ASSIGN_OR_RETURN(DiscoveredDevices found, DiscoverByPci(catalog, options));
  if (report.has_value() && !report->devices.empty()) {
    // The tool is authoritative for what the driver sees; the PCI scan must
    // agree on the count (a mismatch means a truncated listing or a card the
    // driver lost) and supplies NUMA nodes.
    if (!found.devices.empty() && found.devices.size() != report->devices.size()) {
      return absl::InvalidArgumentError(absl::StrCat("xpu-smi lists ", report->devices.size(),
                                                     " XPUs but PCI has ", found.devices.size(),
                                                     " Kunlun functions"));
    }
    found.devices.clear();
    found.unrecognized.clear();  // the tool names what PCI ids alone could not
    for (const kunlun::XpuSmiDevice& x : report->devices) {
      const DeviceModelSpec* model = FindKunlunModel(catalog, x.name);
      if (model == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("xpu-smi: XPU ", x.index, " \"", x.name,
                                                       "\" is in no kunlun catalog model"));
      }
      DeviceSpec d;
      d.index = x.index;
      d.uuid = x.uuid;
      d.model = model->index;
      d.memory = MiB::FromRaw(x.memory_mib);
      d.pci_bus_id = x.pci_bus_id;
      // /dev/xpuN and XPU_VISIBLE_DEVICES use the minor number when known.
      if (x.minor >= 0) d.physical_id = x.minor;
      found.devices.push_back(std::move(d));
    }
    MC_RETURN_IF_ERROR(FillNumaFromSysfs(options, found.devices));
  }
  if (found.devices.empty()) return found;
  if (report.has_value()) {
    if (!report->driver_version.empty()) found.software["kunlun-driver"] = report->driver_version;
    if (!report->runtime_version.empty()) found.software["xre"] = report->runtime_version;
  }
  auto topo_text = RunTool(options, {"xpu-smi", {"topo", "-m"}});
  if (topo_text.ok()) {
    auto topo = ParseTopoMatrix(*topo_text, "XPU", "xpu-smi topo -m");
    if (!topo.ok()) return topo.status();
    MC_RETURN_IF_ERROR(ApplyTopo(*topo, found.devices, "xpu-smi topo -m"));
  } else if (!absl::IsNotFound(topo_text.status())) {
    return topo_text.status();
  }
  bool all_p800 = true;
  for (const DeviceSpec& d : found.devices) {
    all_p800 &= catalog.model(d.model).id == "kunlun-p800";
  }
  if (all_p800 && found.devices.size() == 8) {
    found.board = "kunlun-p800-8";
    for (DeviceSpec& d : found.devices) d.link_group = d.index < 4 ? "group-0" : "group-1";
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
