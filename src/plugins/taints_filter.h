#pragma once

// Filter "taints": node readiness, cordon, and hard taints. A not-ready or
// cordoned node is unschedulable (it may come back); a NoSchedule taint the
// job does not tolerate is unresolvable. Soft (PreferNoSchedule) taints pass
// the filter and lower the node's score instead.

#include "manychip/framework/registry.h"

namespace manychip::plugins {

class TaintsFilter final : public FilterPlugin, public ScorePlugin {
 public:
  absl::string_view name() const override { return "taints"; }
  Decision Filter(CycleState& state, const NodeView& node) const override;
  // 100 without untolerated soft taints, else 0.
  int64_t Score(CycleState& state, const NodeView& node) const override;
};
static_assert(std::is_base_of_v<FilterPlugin, TaintsFilter>);

// True if a toleration in `job` matches `taint` (same key; empty value = any).
bool Tolerates(const JobSpec& job, const TaintSpec& taint);

absl::StatusOr<std::unique_ptr<Plugin>> NewTaintsFilter(const PluginArgs& args,
                                                        const FrameworkHandle& handle);

}  // namespace manychip::plugins
