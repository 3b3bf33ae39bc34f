#include "src/plugins/binpack_score.h"

#include <algorithm>

namespace manychip::plugins {

int64_t BinpackScore::Score(CycleState& state, const NodeView& node) const {
  const DemandSpec& d = state.demand();
  if (d.is_cpu_only() || node.device_free().empty()) {
    int64_t cap = node.spec().cpu.raw();
    if (cap <= 0) return 0;
    int64_t used = cap - node.free_cpu().raw() + d.cpu.raw();
    return std::clamp<int64_t>(100 * used / cap, 0, 100);
  }
  int64_t cap = 0, free = 0;
  auto f = node.device_free();
  for (size_t i = 0; i < f.size(); ++i) {
    if (!node.device_healthy(static_cast<int32_t>(i))) continue;
    cap += kMilliPerDevice;
    free += f[i].raw();
  }
  if (cap == 0) return 0;
  int64_t want = d.is_fractional() ? d.devices.raw() : d.devices.raw();
  return std::clamp<int64_t>(100 * (cap - free + want) / cap, 0, 100);
}

absl::StatusOr<std::unique_ptr<Plugin>> NewBinpackScore(const PluginArgs& args,
                                                        const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new BinpackScore());
}

}  // namespace manychip::plugins
