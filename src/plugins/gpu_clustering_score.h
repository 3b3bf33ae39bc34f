#pragma once

// GpuClustering, the FGD paper's baseline: keep tasks of one GPU class
// (share, 1, 2, 4, 8 GPUs; other counts are their own class) together. Tiers:
// a node hosting only this class (75, 100], hosting it among others (50, 75],
// hosting no GPU task (25, 50], hosting only other classes (0, 25]; within a
// tier the node with less free GPU scores higher: 25 x (8000 - free) / 8000.
// CPU-only tasks score 0. GPUs within a node: best fit.

#include <cstdint>
#include <map>

#include "manychip/framework/registry.h"
#include "src/plugins/gpu_share.h"

namespace manychip::plugins {

// The class of a GPU ask: 0 = CPU-only, -1 = a share of one GPU, n = n whole GPUs.
int32_t GpuClassOf(const GpuAsk& ask);

// Tasks per class present on a node (classes with a zero count are absent).
using GpuClassCounts = std::map<int32_t, int64_t>;

int64_t GpuClusteringScore(const GpuNode& node, const GpuAsk& ask, const GpuClassCounts& counts);

// Score plugin "gpu_clustering". The classes present on a node are read from
// the cluster state's allocations, so the plugin keeps no state of its own
// and stays right when tasks end. Proposes best-fit GPUs.
class GpuClusteringScorePlugin final : public ScorePlugin, public BestFitDeviceChooser {
 public:
  explicit GpuClusteringScorePlugin(const ClusterState* cluster) : cluster_(cluster) {}
  absl::string_view name() const override { return "gpu_clustering"; }
  int64_t Score(CycleState& state, const NodeView& node) const override;

 private:
  const ClusterState* cluster_;
  mutable std::vector<int64_t> buf_;
};
static_assert(std::is_base_of_v<ScorePlugin, GpuClusteringScorePlugin>);

absl::StatusOr<std::unique_ptr<Plugin>> NewGpuClusteringScore(const PluginArgs& args,
                                                              const FrameworkHandle& handle);

}  // namespace manychip::plugins
