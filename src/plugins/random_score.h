#pragma once

// Score plugin "random", the FGD paper's Random baseline: one feasible node,
// drawn uniformly from the scheduler's seeded generator, scores 100 and every
// other node 0. The draw happens in NormalizeScore, the one hook that sees
// the whole feasible set (the scheduler does not run PreScore yet). A sharing task gets a uniformly
// random GPU among those that fit on it. Deterministic for a given scheduler seed.

#include <cstdint>
#include <memory>
#include <random>

#include "manychip/framework/registry.h"
#include "src/plugins/gpu_share.h"

namespace manychip::plugins {

class RandomScore final : public ScorePlugin {
 public:
  RandomScore(std::mt19937_64* rng, const ClusterState* cluster) : rng_(rng), cluster_(cluster) {}
  absl::string_view name() const override { return "random"; }
  int64_t Score(CycleState& state, const NodeView& node) const override { return 0; }
  void NormalizeScore(CycleState& state, absl::Span<const NodeIndex> feasible,
                      absl::Span<int64_t> scores) const override;

 private:
  uint64_t Below(uint64_t n) const;

  std::mt19937_64* rng_;
  const ClusterState* cluster_;
  mutable std::vector<int64_t> buf_;
};
static_assert(std::is_base_of_v<ScorePlugin, RandomScore>);

absl::StatusOr<std::unique_ptr<Plugin>> NewRandomScore(const PluginArgs& args,
                                                       const FrameworkHandle& handle);

}  // namespace manychip::plugins
