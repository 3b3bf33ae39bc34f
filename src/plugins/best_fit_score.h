#pragma once

// BestFit, the FGD paper's baseline: prefer the node left with the least free
// CPU and GPU after placement, each normalised by the largest node spec and
// weighted 0.5. Raw score: int((1 - sum_d 0.5 (free_d - req_d) / maxSpec_d) x 100),
// then min-max normalised across the candidate nodes. GPUs within a node:
// best fit (see gpu_share.h).

#include <cstdint>

#include "manychip/framework/registry.h"
#include "src/plugins/gpu_share.h"

namespace manychip::plugins {

int64_t BestFitRawScore(const GpuNode& node, const GpuAsk& ask);

// Score plugin "best_fit". Proposes the best-fit GPUs of every node it scores.
class BestFitScore final : public ScorePlugin, public BestFitDeviceChooser {
 public:
  absl::string_view name() const override { return "best_fit"; }
  int64_t Score(CycleState& state, const NodeView& node) const override;
  // Min-max across the feasible nodes, as the paper's code does.
  void NormalizeScore(CycleState& state, absl::Span<const NodeIndex> feasible,
                      absl::Span<int64_t> scores) const override;

 private:
  mutable std::vector<int64_t> buf_;
};
static_assert(std::is_base_of_v<ScorePlugin, BestFitScore>);

absl::StatusOr<std::unique_ptr<Plugin>> NewBestFitScore(const PluginArgs& args,
                                                        const FrameworkHandle& handle);

}  // namespace manychip::plugins
