#include "src/plugins/gpu_packing_score.h"

#include <algorithm>
#include <numeric>
#include <vector>

namespace manychip::plugins {

int64_t GpuPackingScore(const GpuNode& node, const GpuAsk& ask) {
  if (ask.milli <= 0) return 0;
  const int64_t fully_free = node.fully_free();
  const int64_t gpus = static_cast<int64_t>(node.free.size());
  if (fully_free == gpus) return std::max<int64_t>(33 - fully_free, fully_free);
  // Walk GPUs from the least free up, taking the ones that fit.
  std::vector<int32_t> order(node.free.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return node.free[static_cast<size_t>(a)] < node.free[static_cast<size_t>(b)];
  });
  int32_t want = ask.count;
  int64_t fully_free_used = 0;
  int64_t free_percent = 0;
  for (int32_t g : order) {
    if (want == 0) break;
    const int64_t left = node.free[static_cast<size_t>(g)];
    if (left < ask.milli) continue;
    --want;
    if (left >= 1000) ++fully_free_used;
    free_percent += left * 100 / 1000;
  }
  if (want != 0) return 0;  // does not fit; the filter rejects such nodes
  if (fully_free_used > 0) return std::max<int64_t>(50 - fully_free_used, 33);
  return std::max<int64_t>(100 - free_percent / 10, 50);
}

int64_t GpuPackingScorePlugin::Score(CycleState& state, const NodeView& node) const {
  const GpuAsk ask = AskOf(state.demand());
  const GpuNode g = NodeOf(node, buf_);
  if (!ask.cpu_only()) state.DeferDevices(this);  // best-fit GPUs on the chosen node
  return GpuPackingScore(g, ask);
}

absl::StatusOr<std::unique_ptr<Plugin>> NewGpuPackingScore(const PluginArgs& args,
                                                           const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new GpuPackingScorePlugin());
}

}  // namespace manychip::plugins
