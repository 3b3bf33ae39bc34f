#include "adapters/device/ascend/ascend_adapter.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/common/smi_output.h"
#include "adapters/common/tool_runner.h"
#include "adapters/device/ascend/cann_version.h"
#include "adapters/device/ascend/dcmi_library.h"
#include "adapters/device/ascend/npu_smi.h"
#include "manychip/status.h"

namespace manychip {
namespace ascend {

std::string InferBoard(const std::string& model_id, int count, int chips_per_card) {
  const std::string id = absl::AsciiStrToLower(model_id);
  if (absl::StartsWith(id, "ascend-910b")) {
    if (count == 8) return "atlas-800t-a2";
    if (count == 16) return "atlas-box16";
  } else if (id == "ascend-910a") {
    if (count == 8) return "ascend-910a-module";
    if (count == 4) return "ascend-910a-half";
  } else if (absl::StartsWith(id, "ascend-910c")) {
    if (count == 16) return "ascend-a3-16";
  } else if (absl::StartsWith(id, "ascend-310p")) {
    return chips_per_card == 2 ? "ascend-310p-card" : "ascend-310p-chip";
  }
  return "";
}

}  // namespace ascend

namespace {

// Sets the links between devices (links[i]: device i's links to every other
// device). A board inferred from the chip count alone must match them: 8 x
// 910B with a pair known to talk over PCIe or SMP are PCIe cards, not an
// Atlas 800T A2, so they get no board. Only a link known to be slower
// disproves the mesh; "unknown" (a chip that cannot say) leaves the board to
// the chip count.
void SetLinks(std::vector<std::vector<DeviceLinkSpec>> links, DiscoveredDevices& out) {
  for (size_t i = 0; i < out.devices.size(); ++i) out.devices[i].links = std::move(links[i]);
  const bool known_slow = std::any_of(out.devices.begin(), out.devices.end(), [](const auto& d) {
    return std::any_of(d.links.begin(), d.links.end(), [](const DeviceLinkSpec& l) {
      return l.link_class != LinkClass::kHighSpeed && l.link_class != LinkClass::kUnknown;
    });
  });
  if (out.board == "atlas-800t-a2" && known_slow) out.board.clear();
}

// On a node without a board rule, devices joined by high-speed links share a
// link group named after the lowest index in it ("hccs-0"), as NVLink
// islands do; devices without one keep their card group.
void NameHccsIslands(DiscoveredDevices& out) {
  const size_t n = out.devices.size();
  std::vector<size_t> root(n);
  for (size_t i = 0; i < n; ++i) root[i] = i;
  auto find = [&root](size_t i) {
    while (root[i] != i) i = root[i] = root[root[i]];
    return i;
  };
  for (size_t i = 0; i < n; ++i) {
    for (const DeviceLinkSpec& l : out.devices[i].links) {
      if (l.link_class != LinkClass::kHighSpeed) continue;
      const size_t a = find(i), b = find(static_cast<size_t>(l.peer));
      root[std::max(a, b)] = std::min(a, b);  // the lowest index roots its group
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const bool linked =
        std::any_of(out.devices[i].links.begin(), out.devices[i].links.end(),
                    [](const DeviceLinkSpec& l) { return l.link_class == LinkClass::kHighSpeed; });
    if (linked) out.devices[i].link_group = absl::StrCat("hccs-", find(i));
  }
}

// Chips in logical-id order (index i = logical id i) to devices, board and
// HCCS link groups. `links` (nullptr: not known) are the links between them
// by index. `what` names the source for errors, `tool` for health reasons
// ("npu-smi health Critical").
absl::StatusOr<DiscoveredDevices> ChipsToDevices(const std::vector<ascend::NpuChip>& chips,
                                                 const Catalog& catalog, absl::string_view what,
                                                 absl::string_view tool,
                                                 std::vector<std::vector<DeviceLinkSpec>>* links) {
  std::map<int32_t, int> chips_on_card;
  for (const auto& c : chips) ++chips_on_card[c.npu_id];

  DiscoveredDevices out;
  std::string model_id;
  int max_chips = 0;
  for (size_t i = 0; i < chips.size(); ++i) {
    const ascend::NpuChip& c = chips[i];
    const DeviceModelSpec* model = catalog.Find(c.name);
    if (model == nullptr) model = catalog.Find(absl::StrCat("Ascend", c.name));
    if (model == nullptr || model->vendor != "ascend") {
      return absl::InvalidArgumentError(absl::StrCat(what, ": NPU ", c.npu_id, " \"", c.name,
                                                     "\" is in no ascend catalog model"));
    }
    if (c.memory_total_mib <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": NPU ", c.npu_id, " chip ", c.chip_id, " reports no memory"));
    }
    DeviceSpec d;
    d.index = static_cast<int32_t>(i);
    d.model = model->index;
    d.memory = MiB::FromRaw(c.memory_total_mib);
    // Warning keeps the NPU schedulable; Alarm/Critical (or anything else
    // unknown) takes it out, with the reason.
    d.healthy = c.health == "OK" || c.health == "Warning";
    if (!d.healthy || c.health != "OK") d.health_reason = absl::StrCat(tool, " health ", c.health);
    const int on_card = chips_on_card[c.npu_id];
    max_chips = std::max(max_chips, on_card);
    if (on_card == 1) {
      d.physical_id = c.device_id >= 0 ? c.device_id : c.npu_id;
    } else if (c.device_id >= 0) {
      d.physical_id = c.device_id;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(what, ": NPU ", c.npu_id, " has ", on_card,
                                                     " chips but no chip device ids"));
    }
    d.pci_bus_id = c.bus_id;
    d.link_group = absl::StrCat("card-", c.npu_id);
    if (model_id.empty()) model_id = model->id;
    if (model_id != model->id) model_id = "mixed";
    out.devices.push_back(std::move(d));
  }
  out.board = ascend::InferBoard(model_id, static_cast<int>(out.devices.size()), max_chips);
  if (links != nullptr) SetLinks(std::move(*links), out);
  // Name the HCCS domain each NPU sits in, as the board rules see it.
  for (DeviceSpec& d : out.devices) {
    if (out.board == "ascend-910a-module") d.link_group = absl::StrCat("ring-", d.index / 4);
    if (out.board == "ascend-910a-half") d.link_group = "ring-0";
    if (out.board == "atlas-box16") d.link_group = absl::StrCat("ring-", d.index / 8);
    if (out.board == "atlas-800t-a2") d.link_group = "hccs-mesh";
    if (out.board == "ascend-a3-16") d.link_group = absl::StrCat("module-", d.index / 2);
  }
  if (out.board.empty()) NameHccsIslands(out);
  return out;
}

// `npu-smi info -t topo` rows are npu-smi's NPU ids (the "NPU" column of
// `npu-smi info`); `chips` are in device-index order. Needs one chip per NPU.
absl::StatusOr<std::vector<std::vector<DeviceLinkSpec>>> NpuSmiTopoLinks(
    const TopoMatrix& topo, const std::vector<ascend::NpuChip>& chips) {
  constexpr absl::string_view kWhat = "npu-smi info -t topo";
  if (static_cast<size_t>(topo.size) != chips.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kWhat, ": ", topo.size, " NPUs, npu-smi info has ", chips.size(), " chips"));
  }
  std::map<int32_t, int32_t> index_of_npu;
  for (size_t i = 0; i < chips.size(); ++i) {
    if (!index_of_npu.emplace(chips[i].npu_id, static_cast<int32_t>(i)).second) {
      return absl::InvalidArgumentError(absl::StrCat(kWhat, ": NPU ", chips[i].npu_id,
                                                     " has several chips; the matrix names NPUs"));
    }
  }
  std::vector<std::vector<DeviceLinkSpec>> links(chips.size());
  for (int32_t r = 0; r < topo.size; ++r) {
    auto from = index_of_npu.find(r);
    if (from == index_of_npu.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(kWhat, ": NPU", r, " is not an NPU id of npu-smi info"));
    }
    for (int32_t c = 0; c < topo.size; ++c) {
      if (c == r) continue;
      DeviceLinkSpec l = topo.links[r][c];
      l.peer = index_of_npu.at(c);  // present: every id 0..n-1 was checked above
      links[from->second].push_back(l);
    }
  }
  for (auto& row : links) {
    std::sort(row.begin(), row.end(),
              [](const DeviceLinkSpec& a, const DeviceLinkSpec& b) { return a.peer < b.peer; });
  }
  return links;
}

absl::StatusOr<DiscoveredDevices> FromDcmi(const ascend::DcmiSnapshot& snap,
                                           const Catalog& catalog) {
  // DCMI names each chip's logical id; they must be exactly 0..n-1.
  std::vector<ascend::NpuChip> chips(snap.chips.size());
  std::vector<bool> seen(snap.chips.size(), false);
  for (const ascend::DcmiChip& c : snap.chips) {
    if (c.logic_id < 0 || static_cast<size_t>(c.logic_id) >= chips.size() || seen[c.logic_id]) {
      return absl::InvalidArgumentError(
          absl::StrCat("dcmi: card ", c.card_id, " chip ", c.device_id, " has logical id ",
                       c.logic_id, ", want a unique id in 0..", chips.size() - 1));
    }
    seen[c.logic_id] = true;
    ascend::NpuChip& n = chips[c.logic_id];
    n.npu_id = c.card_id;
    n.chip_id = c.device_id;
    n.device_id = c.phy_id;
    n.name = c.chip_name;
    n.health = ascend::DcmiHealthName(c.health);
    n.memory_total_mib = c.memory_mib;
    n.bus_id = c.pci_bus_id;
  }
  std::vector<std::vector<DeviceLinkSpec>> links;
  if (!snap.topo.empty()) {
    links.resize(snap.chips.size());
    for (size_t i = 0; i < snap.chips.size(); ++i) {
      const int32_t from = snap.chips[i].logic_id;
      for (size_t j = 0; j < snap.chips.size(); ++j) {
        if (i == j) continue;
        DeviceLinkSpec l;
        l.peer = snap.chips[j].logic_id;
        l.link_class = ascend::DcmiTopoClass(snap.topo[i][j]);
        if (l.link_class != ascend::DcmiTopoClass(snap.topo[j][i])) {
          return absl::UnavailableError(
              absl::StrCat("dcmi: dcmi_get_topo_info_by_device_id disagrees between logical ", from,
                           " and ", l.peer));
        }
        links[from].push_back(l);
      }
    }
    for (auto& row : links) {
      std::sort(row.begin(), row.end(),
                [](const DeviceLinkSpec& a, const DeviceLinkSpec& b) { return a.peer < b.peer; });
    }
  }
  MC_ASSIGN_OR_RETURN(DiscoveredDevices out, ChipsToDevices(chips, catalog, "dcmi", "dcmi",
                                                            links.empty() ? nullptr : &links));
  if (!snap.driver_version.empty()) out.software["ascend-driver"] = snap.driver_version;
  return out;
}

}  // namespace

absl::StatusOr<DiscoveredDevices> AscendDeviceAdapter::Discover(
    const Catalog& catalog, const DiscoverOptions& options) const {
  MC_ASSIGN_OR_RETURN(DiscoveredDevices out, DiscoverDevices(catalog, options));
  if (!out.devices.empty()) MC_RETURN_IF_ERROR(ascend::AddInstalledStacks(options, out.software));
  return out;
}

absl::StatusOr<DiscoveredDevices> AscendDeviceAdapter::DiscoverDevices(
    const Catalog& catalog, const DiscoverOptions& options) const {
  // DCMI first (live hosts only), then npu-smi, then the PCI scan.
  if (options.tool_output_dir.empty() && !options.dcmi_library.empty()) {
    MC_ASSIGN_OR_RETURN(std::optional<ascend::DcmiSnapshot> snap,
                        ascend::ReadDcmiSnapshot(options.dcmi_library));
    if (snap.has_value()) {
      MC_ASSIGN_OR_RETURN(DiscoveredDevices out, FromDcmi(*snap, catalog));
      MC_RETURN_IF_ERROR(FillNumaFromSysfs(options, out.devices));
      return out;
    }
  }
  auto text = RunTool(options, {"npu-smi", {"info"}});
  if (absl::IsNotFound(text.status())) return DiscoverByPci(catalog, options);
  if (!text.ok()) return text.status();
  auto info = ascend::ParseNpuSmiInfo(*text);
  if (!info.ok()) return info.status();

  std::vector<ascend::NpuChip> chips = info->chips;
  // Logical ids follow physical order; sort so the mapping is stable.
  std::stable_sort(chips.begin(), chips.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.npu_id, a.chip_id) < std::make_pair(b.npu_id, b.chip_id);
  });
  std::optional<std::vector<std::vector<DeviceLinkSpec>>> links;
  auto topo_text = RunTool(options, {"npu-smi", {"info", "-t", "topo"}});
  if (topo_text.ok()) {
    // HCCS_SW (through an HCCS switch) and SIO (die to die) are A3's
    // high-speed classes (CANN aclrtGetDevicesTopo reference).
    static constexpr absl::string_view kHighSpeed[] = {"HCCS", "HCCS_SW", "SIO"};
    MC_ASSIGN_OR_RETURN(TopoMatrix topo,
                        ParseTopoMatrix(*topo_text, "NPU", "npu-smi info -t topo", kHighSpeed));
    MC_ASSIGN_OR_RETURN(links, NpuSmiTopoLinks(topo, chips));
  } else if (!absl::IsNotFound(topo_text.status())) {
    return topo_text.status();
  }
  MC_ASSIGN_OR_RETURN(DiscoveredDevices out,
                      ChipsToDevices(chips, catalog, "npu-smi info", "npu-smi",
                                     links.has_value() ? &*links : nullptr));
  out.software["ascend-driver"] = info->version;
  MC_RETURN_IF_ERROR(FillNumaFromSysfs(options, out.devices));
  return out;
}

Visibility AscendDeviceAdapter::VisibilityFor(const NodeSpec& node,
                                              absl::Span<const int32_t> devices) const {
  Visibility v;
  std::vector<std::string> logical, physical;
  for (int32_t i : devices) {
    const DeviceSpec& d = node.devices[i];
    const int32_t phy = d.physical_id >= 0 ? d.physical_id : d.index;
    logical.push_back(absl::StrCat(d.index));
    physical.push_back(absl::StrCat(phy));
    v.device_nodes.push_back(absl::StrCat("/dev/davinci", phy));
  }
  v.env["ASCEND_RT_VISIBLE_DEVICES"] = JoinIds(logical);
  v.env["ASCEND_VISIBLE_DEVICES"] = JoinIds(physical);
  v.container_env["ASCEND_VISIBLE_DEVICES"] = JoinIds(physical);
  v.container_env["ASCEND_RT_VISIBLE_DEVICES"] = JoinIds(RenumberedIds(devices.size()));
  for (const char* p : {"/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc"}) {
    v.device_nodes.push_back(p);
  }
  // Host driver libraries the CANN runtime loads (Ascend Docker Runtime
  // mounts the same set).
  v.mounts = {"/usr/local/Ascend/driver", "/usr/local/dcmi", "/etc/ascend_install.info"};
  return v;
}

absl::StatusOr<int> AscendDeviceAdapter::CompareStackVersions(absl::string_view stack,
                                                              absl::string_view a,
                                                              absl::string_view b) const {
  return stack::CompareAscendVersions(a, b);
}

std::vector<PartitionProfileSpec> AscendDeviceAdapter::PartitionProfiles(
    const DeviceModelSpec& model) const {
  if (!model.partitions.empty()) return model.partitions;
  auto p = [](const char* name, int64_t milli, int64_t gib) {
    return PartitionProfileSpec{name, "vnpu", MilliDevices::FromRaw(milli),
                                MiB::FromRaw(gib * 1024)};
  };
  const std::string id = absl::AsciiStrToLower(model.id);
  // vNPU templates (MindCluster); share = AICores of the template / AICores
  // of the chip; memory from HAMi's per-template sizes.
  if (id == "ascend-310p") return {p("vir01", 125, 3), p("vir02", 250, 6), p("vir04", 500, 12)};
  if (id == "ascend-910b2") return {p("vir06_1c_16g", 250, 16), p("vir12_3c_32g", 500, 32)};
  if (id == "ascend-910b3") return {p("vir05_1c_16g", 250, 16), p("vir10_3c_32g", 500, 32)};
  if (id == "ascend-910b4") return {p("vir05_1c_8g", 250, 8), p("vir10_3c_16g", 500, 16)};
  return {};
}

}  // namespace manychip
