#include "src/plugins/best_fit_score.h"

namespace manychip::plugins {

int64_t BestFitRawScore(const GpuNode& node, const GpuAsk& ask) {
  const double cpu =
      static_cast<double>(node.cpu_left - ask.cpu) / static_cast<double>(kMaxSpecCpuMilli);
  const double gpu = static_cast<double>(node.total_free() - ask.total_milli()) /
                     static_cast<double>(kMaxSpecGpuMilli);
  return static_cast<int64_t>((1.0 - (0.5 * cpu + 0.5 * gpu)) * 100.0);
}

int64_t BestFitScore::Score(CycleState& state, const NodeView& node) const {
  const GpuAsk ask = AskOf(state.demand());
  const GpuNode g = NodeOf(node, buf_);
  if (!ask.cpu_only()) state.DeferDevices(this);  // best-fit GPUs on the chosen node
  return BestFitRawScore(g, ask);
}

void BestFitScore::NormalizeScore(CycleState& state, absl::Span<const NodeIndex> feasible,
                                  absl::Span<int64_t> scores) const {
  MinMaxNormalize(scores);
}

absl::StatusOr<std::unique_ptr<Plugin>> NewBestFitScore(const PluginArgs& args,
                                                        const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new BestFitScore());
}

}  // namespace manychip::plugins
