#pragma once

// Small helpers shared by the built-in plugins.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/adapters/device_adapter.h"
#include "manychip/core/cluster_state.h"
#include "manychip/core/job.h"
#include "manychip/framework/plugin.h"

namespace manychip::plugins {

// True if `model` (a catalog index) is one of the flavor's device models.
bool ModelAccepted(const FlavorSpec& flavor, int32_t model);

// The adapter request for a demand.
ChooseRequest ToChooseRequest(const DemandSpec& demand);

// Generic device choice without a vendor adapter: whole cards take the
// lowest-index fully free healthy devices; a fractional share takes the
// device with the least free share that still holds it (best fit), lowest
// index on ties.
ChooseResult ChooseGeneric(const NodeView& node, const DemandSpec& demand);

// ChooseGeneric's verdict and score without building the device list: a
// filter asks this of every candidate node, and only the chosen node's list
// is built (by Reserve).
struct GenericFit {
  ChooseFailure failure = ChooseFailure::kNone;
  int32_t score = 0;  // ChooseGeneric's score when it fits, else 0
  bool ok() const { return failure == ChooseFailure::kNone; }
};
GenericFit CheckGeneric(const NodeView& node, const DemandSpec& demand);

// The device adapter for the node's device model, or nullptr.
const DeviceAdapter* AdapterForNode(const FrameworkHandle& handle, const NodeView& node);

// Compares dotted numeric versions ("12.4" < "12.10"); InvalidArgument on a
// non-numeric component.
absl::StatusOr<int> CompareDottedVersions(absl::string_view a, absl::string_view b);

template <class T>
absl::StatusOr<std::unique_ptr<Plugin>> Wrap(absl::StatusOr<std::unique_ptr<T>> p) {
  if (!p.ok()) return p.status();
  return std::unique_ptr<Plugin>(std::move(p).value());
}

}  // namespace manychip::plugins
