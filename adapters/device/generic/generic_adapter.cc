#include "adapters/device/generic/generic_adapter.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "adapters/common/tool_runner.h"
#include "adapters/device/ppu/ppu_adapter.h"

namespace manychip {

std::vector<GenericVendorSpec> GenericVendors() {
  // Selectors and device nodes from docs/design/vendors.md §1a; PCI ids from pci.ids.
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

namespace {

// Boards with link rules (topology.h) a generic vendor's node of 8 identical
// cards is, and how its link groups are named.
struct GenericBoard {
  const char* model_id;
  const char* board;
  const char* group_prefix;
  int group_size;
};
constexpr GenericBoard kBoards[] = {
    {"cambricon-mlu370", "cambricon-mlu370-x8", "card-", 2},
    {"cambricon-mlu590", "cambricon-mlu590-h8", "half-", 4},
    {"metax-c500", "metax-c500-8", "metaxlink-", 4},
};

void InferBoard(const Catalog& catalog, DiscoveredDevices& found) {
  if (found.devices.size() != 8) return;
  const std::string& model = catalog.model(found.devices[0].model).id;
  for (const DeviceSpec& d : found.devices) {
    if (catalog.model(d.model).id != model) return;
  }
  for (const GenericBoard& b : kBoards) {
    if (model != b.model_id) continue;
    found.board = b.board;
    for (DeviceSpec& d : found.devices) {
      d.link_group = absl::StrCat(b.group_prefix, d.index / b.group_size);
    }
  }
}

}  // namespace

absl::StatusOr<DiscoveredDevices> GenericDeviceAdapter::Discover(
    const Catalog& catalog, const DiscoverOptions& options) const {
  auto found = DiscoverDevices(catalog, options);
  if (found.ok()) InferBoard(catalog, *found);
  return found;
}

absl::StatusOr<DiscoveredDevices> GenericDeviceAdapter::DiscoverDevices(
    const Catalog& catalog, const DiscoverOptions& options) const {
  if (!spec_.csv_tool.empty()) {
    auto csv = RunTool(
        options, {spec_.csv_tool, {"--query-gpu=index,uuid,name,memory.total", "--format=csv"}});
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
