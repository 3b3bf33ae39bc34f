#include "src/plugins/plugin_util.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "manychip/adapters/adapter_registry.h"

namespace manychip::plugins {

bool ModelAccepted(const FlavorSpec& flavor, int32_t model) {
  return std::binary_search(flavor.device_models.begin(), flavor.device_models.end(), model);
}

ChooseRequest ToChooseRequest(const DemandSpec& demand) {
  ChooseRequest r;
  r.cards = demand.card_count();
  r.share = demand.is_fractional() ? demand.devices : MilliDevices::FromRaw(kMilliPerDevice);
  r.min_device_memory = demand.device_memory;
  return r;
}

ChooseResult ChooseGeneric(const NodeView& node, const DemandSpec& demand) {
  ChooseResult r;
  auto free = node.device_free();
  auto free_mem = node.device_free_memory();
  const auto& devs = node.spec().devices;
  if (demand.is_fractional()) {
    int32_t best = -1;
    bool memory_short = false;
    for (int32_t d = 0; d < static_cast<int32_t>(free.size()); ++d) {
      if (!node.device_healthy(d) || free[d] < demand.devices) continue;
      if (free_mem[d] < demand.device_memory) {
        memory_short = true;
        continue;
      }
      if (best < 0 || free[d] < free[best]) best = d;
    }
    if (best < 0) {
      r.failure =
          memory_short ? ChooseFailure::kInsufficientMemory : ChooseFailure::kInsufficientDevices;
      r.detail = memory_short ? "no device with the share has the memory free"
                              : "no device has the share free";
      return r;
    }
    r.ok = true;
    r.devices = {best};
    // Tighter fit scores higher: a full-ish card is a better home for a share.
    r.score = static_cast<int32_t>(100 - (free[best].raw() - demand.devices.raw()) / 10);
    return r;
  }
  int32_t want = demand.card_count();
  bool memory_short = false;
  for (int32_t d = 0;
       d < static_cast<int32_t>(free.size()) && static_cast<int32_t>(r.devices.size()) < want;
       ++d) {
    if (!node.device_healthy(d) || free[d].raw() != kMilliPerDevice) continue;
    if (devs[d].memory < demand.device_memory) {
      memory_short = true;
      continue;
    }
    r.devices.push_back(d);
  }
  if (static_cast<int32_t>(r.devices.size()) < want) {
    r.devices.clear();
    r.failure =
        memory_short ? ChooseFailure::kInsufficientMemory : ChooseFailure::kInsufficientDevices;
    r.detail = absl::StrCat("want ", want, " free cards");
    return r;
  }
  r.ok = true;
  r.score = 50;
  return r;
}

const DeviceAdapter* AdapterForNode(const FrameworkHandle& handle, const NodeView& node) {
  if (handle.adapters == nullptr || node.model() < 0) return nullptr;
  return handle.adapters->FindDevice(handle.catalog->model(node.model()).vendor);
}

absl::StatusOr<int> CompareDottedVersions(absl::string_view a, absl::string_view b) {
  std::vector<absl::string_view> pa = absl::StrSplit(a, '.');
  std::vector<absl::string_view> pb = absl::StrSplit(b, '.');
  size_t n = std::max(pa.size(), pb.size());
  for (size_t i = 0; i < n; ++i) {
    int64_t x = 0, y = 0;
    if (i < pa.size() && !absl::SimpleAtoi(pa[i], &x)) {
      return absl::InvalidArgumentError(absl::StrCat("version '", a, "': not dotted numbers"));
    }
    if (i < pb.size() && !absl::SimpleAtoi(pb[i], &y)) {
      return absl::InvalidArgumentError(absl::StrCat("version '", b, "': not dotted numbers"));
    }
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace manychip::plugins
