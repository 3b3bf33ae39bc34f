#pragma once

// Device choice the framework itself makes, with or without a vendor
// adapter: the generic whole-card / best-fit-share pick (the scheduler's
// fallback when no plugin picked devices for the chosen node, and what the
// device_topology plugin scores without an adapter), and the lookup of a
// node's device adapter (the scheduler asks it for device visibility).
//
// Pure functions of a NodeView; scheduler thread.

#include <cstdint>
#include <vector>

#include "manychip/adapters/device_adapter.h"
#include "manychip/core/cluster_state.h"
#include "manychip/core/job.h"
#include "manychip/framework/plugin.h"

namespace manychip::internal {

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

}  // namespace manychip::internal
