#pragma once

// GpuPacking, the FGD paper's baseline: prefer, in tiers, (1) a placement
// that only uses partially used GPUs, scored 100 - (free percent of the GPUs
// used) / 10, floor 50; (2) a used node, using fully free GPUs: 50 - GPUs
// used, floor 33; (3) an empty node: max(33 - its GPUs, its GPUs). CPU-only
// tasks score 0 everywhere. GPUs within a node: best fit.

#include <cstdint>

#include "manychip/framework/registry.h"
#include "src/plugins/gpu_share.h"

namespace manychip::plugins {

int64_t GpuPackingScore(const GpuNode& node, const GpuAsk& ask);

// Score plugin "gpu_packing". Proposes the best-fit GPUs of every node it scores.
class GpuPackingScorePlugin final : public ScorePlugin, public BestFitDeviceChooser {
 public:
  absl::string_view name() const override { return "gpu_packing"; }
  int64_t Score(CycleState& state, const NodeView& node) const override;

 private:
  mutable std::vector<int64_t> buf_;
};
static_assert(std::is_base_of_v<ScorePlugin, GpuPackingScorePlugin>);

absl::StatusOr<std::unique_ptr<Plugin>> NewGpuPackingScore(const PluginArgs& args,
                                                           const FrameworkHandle& handle);

}  // namespace manychip::plugins
