#pragma once

// DotProd (Tetris-style alignment), the FGD paper's baseline with
// `-dimext merge -norm max`: the node's free vector and the task's request
// vector over [CPU, total GPU milli], each normalised by the largest node spec;
// score = int(100 x (1 - dot / 2)), so the node whose free resources align
// least with the request (the tightest) wins. GPUs within a node: best fit.

#include <cstdint>

#include "manychip/framework/registry.h"
#include "src/plugins/gpu_share.h"

namespace manychip::plugins {

int64_t DotProductScore(const GpuNode& node, const GpuAsk& ask);

// Score plugin "dot_product". Proposes the best-fit GPUs of every node it scores.
class DotProductScorePlugin final : public ScorePlugin, public BestFitDeviceChooser {
 public:
  absl::string_view name() const override { return "dot_product"; }
  int64_t Score(CycleState& state, const NodeView& node) const override;

 private:
  mutable std::vector<int64_t> buf_;
};
static_assert(std::is_base_of_v<ScorePlugin, DotProductScorePlugin>);

absl::StatusOr<std::unique_ptr<Plugin>> NewDotProductScore(const PluginArgs& args,
                                                           const FrameworkHandle& handle);

}  // namespace manychip::plugins
