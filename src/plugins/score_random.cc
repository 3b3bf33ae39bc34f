#include "src/plugins/score_random.h"

namespace manychip::plugins {
namespace {

struct RandomChoice final : CycleStateData {
  NodeIndex node = kNoNode;
};

constexpr absl::string_view kKey = "random";

}  // namespace

uint64_t RandomScore::Below(uint64_t n) const {
  // Rejection sampling: no modulo bias, and no dependence on the standard
  // library's distribution implementation.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t v;
  do {
    v = (*rng_)();
  } while (v >= limit);
  return v % n;
}

Decision RandomScore::PreScore(CycleState& state, absl::Span<const NodeIndex> feasible) const {
  auto choice = std::make_unique<RandomChoice>();
  if (!feasible.empty()) choice->node = feasible[Below(feasible.size())];
  state.Write(kKey, std::move(choice));
  return Decision::Fit();
}

int64_t RandomScore::Score(CycleState& state, const NodeView& node) const {
  const RandomChoice* choice = state.Read<RandomChoice>(kKey);
  if (choice == nullptr || choice->node != node.index()) return 0;
  const GpuAsk ask = AskOf(state.demand());
  if (!ask.cpu_only()) {
    const GpuNode g = NodeOf(node, buf_);
    state.ProposeDevices(node.index(), PickRandomGpus(g, ask, (*rng_)()), 100);
  }
  return 100;
}

absl::StatusOr<std::unique_ptr<Plugin>> NewRandomScore(const PluginArgs& args,
                                                       const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  if (handle.rng == nullptr) {
    return absl::InvalidArgumentError("plugins.random: needs the scheduler's random generator");
  }
  return std::unique_ptr<Plugin>(new RandomScore(handle.rng));
}

}  // namespace manychip::plugins
