#include "adapters/device/generic/generic_adapter.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "adapters/common/tool_runner.h"
#include "adapters/device/ppu/ppu_adapter.h"

namespace manychip {

std::vector<GenericVendorSpec> GenericVendors() {
  // Selectors and device nodes from VENDORS.md §1a; PCI ids from pci.ids.
  return {
      {"cambricon",
       {"cabc"},
       "MLU_VISIBLE_DEVICES",
       "CAMBRICON_VISIBLE_DEVICES",
       "/dev/cambricon_dev{}",
       {"/dev/cambricon_ctl"},
       ""},
      {"hygon",
       {"1d94"},
       "HIP_VISIBLE_DEVICES",
       "HYGON_VISIBLE_DEVICES",
       "",
       {"/dev/kfd", "/dev/mkfd", "/dev/dri"},
       ""},
      {"metax",
       {},
       "MACA_VISIBLE_DEVICES",
       "METAX_VISIBLE_DEVICES",
       "",
       {"/dev/mxcd", "/dev/dri"},
       ""},
      {"biren", {}, "", "BR_PHY_CARDS", "/dev/biren/card_{}", {"/dev/dri"}, ""},
      {"moore-threads",
       {"1ed5"},
       "MUSA_VISIBLE_DEVICES",
       "",
       "/dev/mtgpu.{}",
       {"/dev/dri"},
       "mthreads-gmi"},
      {"enflame", {"1e36"}, "TOPS_VISIBLE_DEVICES", "ENFLAME_VISIBLE_DEVICES", "", {}, ""},
      {"iluvatar",
       {"1e3e"},
       "CUDA_VISIBLE_DEVICES",
       "ILUVATAR_COREX_VISIBLE_DEVICES",
       "/dev/iluvatar{}",
       {},
       ""},
      {"zhonghao", {}, "", "", "", {}, ""},
  };
}

absl::StatusOr<DiscoveredDevices> GenericDeviceAdapter::Discover(
    const Catalog& catalog, const DiscoverOptions& options) const {
  if (!spec_.csv_tool.empty()) {
    auto csv = RunTool(options, {spec_.csv_tool,
                                 {"--query-gpu=index,uuid,name,memory.total", "--format=csv"},
                                 absl::StrCat(spec_.csv_tool, "_query-gpu.csv")});
    if (csv.ok()) {
      auto devices = DevicesFromSmiCsv(*csv, spec_.csv_tool, vendor(), catalog);
      if (!devices.ok()) return devices.status();
      DiscoveredDevices out;
      out.devices = *std::move(devices);
      return out;
    }
    if (!absl::IsNotFound(csv.status())) return csv.status();
  }
  return DiscoverByPci(catalog, options);
}

Visibility GenericDeviceAdapter::VisibilityFor(const NodeSpec& node,
                                               absl::Span<const int32_t> devices) const {
  Visibility v;
  std::vector<std::string> ids;
  for (int32_t i : devices) {
    const DeviceSpec& d = node.devices[i];
    const std::string phy = absl::StrCat(d.physical_id >= 0 ? d.physical_id : d.index);
    ids.push_back(phy);
    if (!spec_.device_node_pattern.empty()) {
      v.device_nodes.push_back(absl::StrReplaceAll(spec_.device_node_pattern, {{"{}", phy}}));
    }
  }
  for (const std::string& s : spec_.shared_nodes) v.device_nodes.push_back(s);
  if (!spec_.process_env.empty()) {
    v.env[spec_.process_env] = JoinIds(ids);
    v.container_env[spec_.process_env] = JoinIds(RenumberedIds(devices.size()));
  }
  if (!spec_.container_env.empty()) {
    v.env[spec_.container_env] = JoinIds(ids);
    v.container_env[spec_.container_env] = JoinIds(ids);
  }
  return v;
}

}  // namespace manychip
