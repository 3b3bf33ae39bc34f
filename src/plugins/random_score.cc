#include "src/plugins/random_score.h"

namespace manychip::plugins {

uint64_t RandomScore::Below(uint64_t n) const {
  // Rejection sampling: no modulo bias, and no dependence on the standard
  // library's distribution implementation.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t v;
  do {
    v = (*rng_)();
  } while (v >= limit);
  return v % n;
}

void RandomScore::NormalizeScore(CycleState& state, absl::Span<const NodeIndex> feasible,
                                 absl::Span<int64_t> scores) const {
  for (int64_t& s : scores) s = 0;
  if (feasible.empty()) return;
  const size_t k = static_cast<size_t>(Below(feasible.size()));
  scores[k] = 100;
  const GpuAsk ask = AskOf(state.demand());
  if (ask.cpu_only()) return;
  const NodeView node = cluster_->view(feasible[k]);
  const GpuNode g = NodeOf(node, buf_);
  state.ProposeDevices(node.index(), PickRandomGpus(g, ask, (*rng_)()), 100);
}

absl::StatusOr<std::unique_ptr<Plugin>> NewRandomScore(const PluginArgs& args,
                                                       const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  if (handle.rng == nullptr || handle.cluster == nullptr) {
    return absl::InvalidArgumentError(
        "plugins.random: needs the scheduler's random generator and cluster state");
  }
  return std::unique_ptr<Plugin>(new RandomScore(handle.rng, handle.cluster));
}

}  // namespace manychip::plugins
