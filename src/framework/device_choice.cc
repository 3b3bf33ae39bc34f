#include "src/framework/device_choice.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "manychip/adapters/adapter_registry.h"

namespace manychip::internal {

namespace {

// Any set of free whole cards is as good as another without an adapter.
constexpr int32_t kGenericWholeScore = 50;

// The generic choice; `devices` (may be null) receives the pick, so callers
// that only need the verdict and score allocate nothing.
ChooseFailure Generic(const NodeView& node, const DemandSpec& demand, int32_t* score,
                      std::vector<int32_t>* devices) {
  auto free = node.device_free();
  auto free_mem = node.device_free_memory();
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
      return memory_short ? ChooseFailure::kInsufficientMemory
                          : ChooseFailure::kInsufficientDevices;
    }
    if (devices != nullptr) devices->assign(1, best);
    // Tighter fit scores higher: a full-ish card is a better home for a share.
    *score = static_cast<int32_t>(100 - (free[best].raw() - demand.devices.raw()) / 10);
    return ChooseFailure::kNone;
  }
  const int32_t want = demand.card_count();
  if (devices == nullptr && demand.device_memory.is_zero()) {
    // Only the verdict: with no device-memory floor, the node's count of
    // healthy, fully free cards decides.
    if (node.free_whole_cards() < want) return ChooseFailure::kInsufficientDevices;
    *score = kGenericWholeScore;
    return ChooseFailure::kNone;
  }
  const auto& devs = node.spec().devices;
  if (devices != nullptr) devices->reserve(static_cast<size_t>(want));
  int32_t got = 0;
  bool memory_short = false;
  for (int32_t d = 0; d < static_cast<int32_t>(free.size()) && got < want; ++d) {
    if (!node.device_healthy(d) || free[d].raw() != kMilliPerDevice) continue;
    if (devs[d].memory < demand.device_memory) {
      memory_short = true;
      continue;
    }
    ++got;
    if (devices != nullptr) devices->push_back(d);
  }
  if (got < want) {
    if (devices != nullptr) devices->clear();
    return memory_short ? ChooseFailure::kInsufficientMemory : ChooseFailure::kInsufficientDevices;
  }
  *score = kGenericWholeScore;
  return ChooseFailure::kNone;
}

}  // namespace

ChooseResult ChooseGeneric(const NodeView& node, const DemandSpec& demand) {
  ChooseResult r;
  int32_t score = 0;
  r.failure = Generic(node, demand, &score, &r.devices);
  r.ok = r.failure == ChooseFailure::kNone;
  if (r.ok) {
    r.score = score;
  } else if (demand.is_fractional()) {
    r.detail = r.failure == ChooseFailure::kInsufficientMemory
                   ? "no device with the share has the memory free"
                   : "no device has the share free";
  } else {
    r.detail = absl::StrCat("want ", demand.card_count(), " free cards");
  }
  return r;
}

GenericFit CheckGeneric(const NodeView& node, const DemandSpec& demand) {
  GenericFit f;
  f.failure = Generic(node, demand, &f.score, nullptr);
  if (f.failure != ChooseFailure::kNone) f.score = 0;
  return f;
}

const DeviceAdapter* AdapterForNode(const FrameworkHandle& handle, const NodeView& node) {
  if (handle.adapters == nullptr || node.model() < 0) return nullptr;
  return handle.adapters->FindDevice(handle.catalog->model(node.model()).vendor);
}

}  // namespace manychip::internal
