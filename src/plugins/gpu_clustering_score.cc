#include "src/plugins/gpu_clustering_score.h"

namespace manychip::plugins {

int32_t GpuClassOf(const GpuAsk& ask) {
  if (ask.cpu_only()) return 0;
  if (ask.sharing()) return -1;
  return ask.count;
}

int64_t GpuClusteringScore(const GpuNode& node, const GpuAsk& ask, const GpuClassCounts& counts) {
  const int32_t cls = GpuClassOf(ask);
  if (cls == 0) return 0;
  const int64_t packed = 25 * (kMaxSpecGpuMilli - node.total_free()) / kMaxSpecGpuMilli;
  auto it = counts.find(cls);
  if (it != counts.end() && it->second > 0) {
    return packed + (counts.size() == 1 ? 75 : 50);
  }
  return packed + (counts.empty() ? 25 : 0);
}

int64_t GpuClusteringScorePlugin::Score(CycleState& state, const NodeView& node) const {
  const GpuAsk ask = AskOf(state.demand());
  const GpuNode g = NodeOf(node, buf_);
  if (ask.cpu_only()) return 0;
  state.DeferDevices(this);  // best-fit GPUs on the chosen node
  GpuClassCounts counts;
  for (AllocationId id : cluster_->AllocationsOnNode(node.index())) {
    const Allocation* a = cluster_->FindAllocation(id);
    if (a == nullptr || a->request.devices.empty()) continue;
    GpuAsk placed;
    placed.count = static_cast<int32_t>(a->request.devices.size());
    placed.milli = a->request.share.raw();
    ++counts[GpuClassOf(placed)];
  }
  return GpuClusteringScore(g, ask, counts);
}

absl::StatusOr<std::unique_ptr<Plugin>> NewGpuClusteringScore(const PluginArgs& args,
                                                              const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  if (handle.cluster == nullptr) {
    return absl::InvalidArgumentError("plugins.gpu_clustering: needs the cluster state");
  }
  return std::unique_ptr<Plugin>(new GpuClusteringScorePlugin(handle.cluster));
}

}  // namespace manychip::plugins
