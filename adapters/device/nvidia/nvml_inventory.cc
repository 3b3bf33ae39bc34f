#include "adapters/device/nvidia/nvml_inventory.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace manychip::nvidia {
namespace {

LinkClass ClassOf(const NvmlPair& p) {
  if (p.nvlink_p2p || p.nvlinks > 0) return LinkClass::kHighSpeed;
  switch (p.level) {
    case NvmlTopoLevel::kInternal:
      return LinkClass::kSameBoard;
    case NvmlTopoLevel::kSingle:
      return LinkClass::kSingleSwitch;
    case NvmlTopoLevel::kMultiple:
      return LinkClass::kMultiSwitch;
    case NvmlTopoLevel::kHostBridge:
      return LinkClass::kHostBridge;
    case NvmlTopoLevel::kNode:
      return LinkClass::kSameCpu;
    case NvmlTopoLevel::kSystem:
      return LinkClass::kCrossCpu;
  }
  return LinkClass::kUnknown;
}

std::string BusId(absl::string_view v) {
  std::string s = absl::AsciiStrToLower(v);
  if (s.size() > 8 && s[8] == ':' && absl::StartsWith(s, "0000")) s = s.substr(4);
  return s;
}

}  // namespace

absl::StatusOr<DiscoveredDevices> NvmlToInventory(const NvmlSnapshot& snap,
                                                  const Catalog& catalog) {
  const size_t n = snap.gpus.size();
  if (snap.pairs.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("nvml: topology has ", snap.pairs.size(), " rows for ", n, " GPUs"));
  }
  DiscoveredDevices out;
  for (size_t i = 0; i < n; ++i) {
    const NvmlGpu& g = snap.gpus[i];
    const DeviceModelSpec* model = catalog.Find(g.name);
    if (model == nullptr && absl::StartsWith(g.name, "NVIDIA "))
      model = catalog.Find(g.name.substr(7));
    if (model == nullptr && g.pci_device_id != 0) {
      const std::string did = absl::StrFormat("%04x", g.pci_device_id >> 16);
      for (const DeviceModelSpec* m : catalog.ModelsOfVendor("nvidia")) {
        for (const std::string& d : m->pci_device_ids) {
          if (absl::EqualsIgnoreCase(d, did)) model = m;
        }
      }
    }
    if (model == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("nvml: GPU ", i, " \"", g.name, "\" (", g.uuid, ") is in no catalog model"));
    }
    if (snap.pairs[i].size() != n) {
      return absl::InvalidArgumentError(
          absl::StrCat("nvml: topology row ", i, " has ", snap.pairs[i].size(), " entries"));
    }
    DeviceSpec d;
    d.index = static_cast<int32_t>(i);
    d.uuid = g.uuid;
    d.model = model->index;
    d.memory = MiB::FromRaw(static_cast<int64_t>(g.memory_total_bytes >> 20));
    if (d.memory.raw() == 0) d.memory = model->memory;
    d.healthy = g.healthy;
    d.health_reason = g.health_reason;
    d.numa_node = g.numa_node;
    d.pci_bus_id = BusId(g.pci_bus_id);
    for (size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      d.links.push_back(DeviceLinkSpec{static_cast<int32_t>(j), ClassOf(snap.pairs[i][j]),
                                       snap.pairs[i][j].nvlinks});
    }
    out.devices.push_back(std::move(d));
  }
  bool all_nvlink = n > 0;
  for (const DeviceSpec& d : out.devices) {
    for (const DeviceLinkSpec& l : d.links) all_nvlink &= l.link_class == LinkClass::kHighSpeed;
  }
  if (n > 0) out.board = (n == 8 && all_nvlink) ? "hgx-8" : "pcie";
  if (!snap.driver_version.empty()) out.software["nvidia-driver"] = snap.driver_version;
  if (snap.cuda_driver_version > 0) {
    out.software["cuda"] =
        absl::StrCat(snap.cuda_driver_version / 1000, ".", (snap.cuda_driver_version % 1000) / 10);
  }
  return out;
}

bool XidMarksUnhealthy(uint64_t xid) {
  switch (xid) {
    case 13:
    case 31:
    case 43:
    case 45:
    case 68:
    case 109:
      return false;
    default:
      return true;
  }
}

int32_t MinDriverForCuda(int32_t cuda_major) {
  switch (cuda_major) {
    case 11:
      return 450;
    case 12:
      return 525;
    case 13:
      return 580;
    default:
      return 0;
  }
}

std::vector<PartitionProfileSpec> MigProfiles(const DeviceModelSpec& model) {
  struct Row {
    const char* key;
    const char* profiles[4];
    int64_t mem_gib[4];
  };
  // HAMi migProfileAllowlist (docs/design/vendors.md §3.1). A800 = A100 80GB die (U).
  static constexpr Row kRows[] = {
      {"h100", {"1g.10gb", "2g.20gb", "3g.40gb", "7g.80gb"}, {10, 20, 40, 80}},
      {"h20", {"1g.12gb", "2g.24gb", "3g.48gb", "7g.96gb"}, {12, 24, 48, 96}},
      {"a800", {"1g.10gb", "2g.20gb", "3g.40gb", "7g.79gb"}, {10, 20, 40, 79}},
  };
  static constexpr int64_t kSlices[4] = {1, 2, 3, 7};
  // Whole id tokens, so "nvidia-h200" never takes the H20 row.
  const std::vector<std::string> tokens = absl::StrSplit(absl::AsciiStrToLower(model.id), '-');
  for (const Row& r : kRows) {
    if (std::find(tokens.begin(), tokens.end(), r.key) == tokens.end()) continue;
    std::vector<PartitionProfileSpec> out;
    for (int i = 0; i < 4; ++i) {
      out.push_back(PartitionProfileSpec{r.profiles[i], "mig",
                                         MilliDevices::FromRaw(kSlices[i] * kMilliPerDevice / 7),
                                         MiB::FromRaw(r.mem_gib[i] * 1024)});
    }
    return out;
  }
  return {};
}

}  // namespace manychip::nvidia
