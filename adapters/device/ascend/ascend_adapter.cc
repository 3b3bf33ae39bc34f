#include "adapters/device/ascend/ascend_adapter.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/common/tool_runner.h"
#include "adapters/device/ascend/npu_smi.h"

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

absl::StatusOr<DiscoveredDevices> AscendDeviceAdapter::Discover(
    const Catalog& catalog, const DiscoverOptions& options) const {
  auto text = RunTool(options, {"npu-smi", {"info"}, "npu-smi_info.txt"});
  if (absl::IsNotFound(text.status())) return DiscoverByPci(catalog, options);
  if (!text.ok()) return text.status();
  auto info = ascend::ParseNpuSmiInfo(*text);
  if (!info.ok()) return info.status();

  std::vector<ascend::NpuChip> chips = info->chips;
  // Logical ids follow physical order; sort so the mapping is stable.
  std::stable_sort(chips.begin(), chips.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.npu_id, a.chip_id) < std::make_pair(b.npu_id, b.chip_id);
  });
  std::map<int32_t, int> chips_on_card;
  for (const auto& c : chips) ++chips_on_card[c.npu_id];

  DiscoveredDevices out;
  out.software["ascend-driver"] = info->version;
  std::string model_id;
  int max_chips = 0;
  for (size_t i = 0; i < chips.size(); ++i) {
    const ascend::NpuChip& c = chips[i];
    const DeviceModelSpec* model = catalog.Find(c.name);
    if (model == nullptr) model = catalog.Find(absl::StrCat("Ascend", c.name));
    if (model == nullptr || model->vendor != vendor()) {
      return absl::InvalidArgumentError(absl::StrCat("npu-smi info: NPU ", c.npu_id, " \"", c.name,
                                                     "\" is in no ascend catalog model"));
    }
    DeviceSpec d;
    d.index = static_cast<int32_t>(i);
    d.model = model->index;
    d.memory = MiB::FromRaw(c.memory_total_mib);
    // Warning keeps the NPU schedulable; Alarm/Critical (or anything else
    // unknown) takes it out, with the reason.
    d.healthy = c.health == "OK" || c.health == "Warning";
    if (!d.healthy || c.health != "OK") d.health_reason = absl::StrCat("npu-smi health ", c.health);
    const int on_card = chips_on_card[c.npu_id];
    max_chips = std::max(max_chips, on_card);
    if (on_card == 1) {
      d.physical_id = c.device_id >= 0 ? c.device_id : c.npu_id;
    } else if (c.device_id >= 0) {
      d.physical_id = c.device_id;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("npu-smi info: NPU ", c.npu_id, " has ",
                                                     on_card, " chips but no chip device ids"));
    }
    d.pci_bus_id = c.bus_id;
    d.link_group = absl::StrCat("card-", c.npu_id);
    if (model_id.empty()) model_id = model->id;
    if (model_id != model->id) model_id = "mixed";
    out.devices.push_back(std::move(d));
  }
  out.board = ascend::InferBoard(model_id, static_cast<int>(out.devices.size()), max_chips);
  // Name the HCCS domain each NPU sits in, as the board rules see it.
  for (DeviceSpec& d : out.devices) {
    if (out.board == "ascend-910a-module") d.link_group = absl::StrCat("ring-", d.index / 4);
    if (out.board == "ascend-910a-half") d.link_group = "ring-0";
    if (out.board == "atlas-box16") d.link_group = absl::StrCat("ring-", d.index / 8);
    if (out.board == "atlas-800t-a2") d.link_group = "hccs-mesh";
    if (out.board == "ascend-a3-16") d.link_group = absl::StrCat("module-", d.index / 2);
  }
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
