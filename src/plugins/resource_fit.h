#pragma once

// Filter "resource_fit": the node's device model is one of the flavor's, and
// it has the CPU, memory, whole cards, fractional share and device memory the
// task asks for. CPU-only flavors fit any node with the CPU and memory.
// A model mismatch is unresolvable; missing capacity is unschedulable
// (preemption or finishing work may free it).

#include "manychip/framework/registry.h"

namespace manychip::plugins {

class ResourceFit final : public FilterPlugin {
 public:
  absl::string_view name() const override { return "resource_fit"; }
  Decision Filter(CycleState& state, const NodeView& node) const override;
};
static_assert(std::is_base_of_v<FilterPlugin, ResourceFit>);

absl::StatusOr<std::unique_ptr<Plugin>> NewResourceFit(const PluginArgs& args,
                                                       const FrameworkHandle& handle);

}  // namespace manychip::plugins
