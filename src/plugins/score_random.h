#pragma once

// Score plugin "random", the FGD paper's Random baseline: PreScore draws one
// feasible node uniformly from the scheduler's seeded generator; it scores
// 100 and every other node 0. A sharing task gets a uniformly random GPU
// among those that fit on it. Deterministic for a given scheduler seed.

#include <cstdint>
#include <memory>
#include <random>

#include "manychip/framework/registry.h"
#include "src/plugins/score_gpu_share.h"

namespace manychip::plugins {

class RandomScore final : public PreScorePlugin, public ScorePlugin {
 public:
  explicit RandomScore(std::mt19937_64* rng) : rng_(rng) {}
  absl::string_view name() const override { return "random"; }
  Decision PreScore(CycleState& state, absl::Span<const NodeIndex> feasible) const override;
  int64_t Score(CycleState& state, const NodeView& node) const override;

 private:
  uint64_t Below(uint64_t n) const;

  std::mt19937_64* rng_;
  mutable std::vector<int64_t> buf_;
};
static_assert(std::is_base_of_v<PreScorePlugin, RandomScore>);
static_assert(std::is_base_of_v<ScorePlugin, RandomScore>);

absl::StatusOr<std::unique_ptr<Plugin>> NewRandomScore(const PluginArgs& args,
                                                       const FrameworkHandle& handle);

}  // namespace manychip::plugins
