#include "src/plugins/throughput_score.h"

#include <algorithm>

#include "manychip/core/normalized_units.h"

namespace manychip::plugins {

Decision ThroughputScore::PreScore(CycleState& state, absl::Span<const NodeIndex>) const {
  const FlavorSpec& f = state.flavor();
  // Every node scores the same: the weighted sum gains a constant, the
  // ranking nothing.
  if (f.demand.is_cpu_only() || f.device_models.size() <= 1) return Decision::Skip();
  const JobKind kind = state.job().kind;
  best_ = 0;
  for (int32_t m : f.device_models) best_ = std::max(best_, CardUnits(*handle_.catalog, m, kind));
  return Decision::Fit();
}

int64_t ThroughputScore::Score(CycleState& state, const NodeView& node) const {
  if (best_ <= 0) return 0;
  return 100 * CardUnits(*handle_.catalog, node.model(), state.job().kind) / best_;
}

absl::StatusOr<std::unique_ptr<Plugin>> NewThroughputScore(const PluginArgs& args,
                                                           const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new ThroughputScore(handle));
}

}  // namespace manychip::plugins
