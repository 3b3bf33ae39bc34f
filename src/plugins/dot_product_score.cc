#include "src/plugins/dot_product_score.h"

namespace manychip::plugins {

int64_t DotProductScore(const GpuNode& node, const GpuAsk& ask) {
  const double cpu_spec = static_cast<double>(kMaxSpecCpuMilli);
  const double gpu_spec = static_cast<double>(kMaxSpecGpuMilli);
  const double dot =
      (static_cast<double>(node.cpu_left) / cpu_spec) * (static_cast<double>(ask.cpu) / cpu_spec) +
      (static_cast<double>(node.total_free()) / gpu_spec) *
          (static_cast<double>(ask.total_milli()) / gpu_spec);
  return static_cast<int64_t>(100.0 * (1.0 - dot / 2.0));
}

int64_t DotProductScorePlugin::Score(CycleState& state, const NodeView& node) const {
  const GpuAsk ask = AskOf(state.demand());
  const GpuNode g = NodeOf(node, buf_);
  if (!ask.cpu_only()) state.DeferDevices(this);  // best-fit GPUs on the chosen node
  return DotProductScore(g, ask);
}

absl::StatusOr<std::unique_ptr<Plugin>> NewDotProductScore(const PluginArgs& args,
                                                           const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new DotProductScorePlugin());
}

}  // namespace manychip::plugins
