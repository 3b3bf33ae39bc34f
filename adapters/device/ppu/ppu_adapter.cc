#include "adapters/device/ppu/ppu_adapter.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/common/smi_output.h"
#include "adapters/common/tool_runner.h"

namespace manychip {

absl::StatusOr<std::vector<DeviceSpec>> DevicesFromSmiCsv(absl::string_view text,
                                                          absl::string_view what,
                                                          absl::string_view vendor,
                                                          const Catalog& catalog) {
  auto gpus = ParseQueryGpuCsv(text, what);
  if (!gpus.ok()) return gpus.status();
  std::vector<DeviceSpec> out;
  for (const SmiGpu& g : *gpus) {
    const DeviceModelSpec* model = catalog.Find(g.name);
    if (model == nullptr || model->vendor != vendor) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": device ", g.index, " \"", g.name,
                                                     "\" is in no ", vendor, " catalog model"));
    }
    DeviceSpec d;
    d.index = g.index;
    d.uuid = g.uuid;
    d.model = model->index;
    d.memory = MiB::FromRaw(g.memory_mib);
    d.pci_bus_id = g.pci_bus_id;
    out.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<DiscoveredDevices> PpuDeviceAdapter::Discover(const Catalog& catalog,
                                                             const DiscoverOptions& options) const {
  auto csv =
      RunTool(options,
              {"ppu-smi", {"--query-gpu=index,uuid,name,memory.total,pci.bus_id", "--format=csv"}});
  if (absl::IsNotFound(csv.status())) return DiscoverByPci(catalog, options);
  if (!csv.ok()) return csv.status();
  DiscoveredDevices out;
  auto devices = DevicesFromSmiCsv(*csv, "ppu-smi --query-gpu", vendor(), catalog);
  if (!devices.ok()) return devices.status();
  out.devices = *std::move(devices);
  auto topo_text = RunTool(options, {"ppu-smi", {"topo", "-m"}});
  if (topo_text.ok()) {
    auto topo = ParseTopoMatrix(*topo_text, "PPU", "ppu-smi topo -m");
    if (!topo.ok()) return topo.status();
    MC_RETURN_IF_ERROR(ApplyTopo(*topo, out.devices, "ppu-smi topo -m"));
  } else if (!absl::IsNotFound(topo_text.status())) {
    return topo_text.status();
  }
  MC_RETURN_IF_ERROR(FillNumaFromSysfs(options, out.devices));
  if (out.devices.size() == 16) out.board = "ppu-16";
  return out;
}

Visibility PpuDeviceAdapter::VisibilityFor(const NodeSpec& node,
                                           absl::Span<const int32_t> devices) const {
  Visibility v;
  // ppu-smi -L prints "GPU-<uuid>"; the runtime selector wants "PPU-<uuid>".
  const SelectorIds sel = UuidOrPhysicalIds(node, devices, [](const std::string& uuid) {
    return absl::StartsWith(uuid, "GPU-") ? absl::StrCat("PPU-", uuid.substr(4)) : uuid;
  });
  v.env["CUDA_VISIBLE_DEVICES"] = JoinIds(sel.ids);
  v.container_env["CUDA_VISIBLE_DEVICES"] =
      sel.by_uuid ? JoinIds(sel.ids) : JoinIds(RenumberedIds(devices.size()));
  return v;
}

std::vector<PartitionProfileSpec> PpuDeviceAdapter::PartitionProfiles(
    const DeviceModelSpec& model) const {
  if (!model.partitions.empty()) return model.partitions;
  if (model.id != "ppu-zw810e") return {};
  // ACK: GIs of 1g12gb, 2g24gb, 4g48gb on 96 GB parts, at most 8 GIs.
  return {{"1g12gb", "mig", MilliDevices::FromRaw(125), MiB::FromRaw(12288)},
          {"2g24gb", "mig", MilliDevices::FromRaw(250), MiB::FromRaw(24576)},
          {"4g48gb", "mig", MilliDevices::FromRaw(500), MiB::FromRaw(49152)}};
}

}  // namespace manychip
