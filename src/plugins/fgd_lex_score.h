#pragma once

// FGD with explicit tie-breaks ("fgd_lex"): ranks nodes by an ordered list of
// keys instead of by FGD's integer score alone, whose ties the paper leaves to
// a random node order.
//
// FGD quantises the fragmentation change to int(100 * sigmoid(-delta/1000)),
// so every change within about 40 milli-GPU of another lands in the same
// bucket, and in a large cluster hundreds of nodes tie. Which of them takes
// the task still matters for the tasks that come later; the keys say how to
// choose on purpose:
//   score     FGD's integer score, higher first (the paper's rule)
//   delta     the exact fragmentation change, lower first
//   after     the node's fragmentation after placing, lower first
//   scarcity  typed demand on the node's GPU model, lower first: how much of
//             the target workload's GPU demand can run only on a set of
//             models that includes this one. Untyped tasks then land where
//             typed tasks cannot go, keeping the scarce models for the tasks
//             that have no alternative.
//   bestfit   the paper's best-fit score, higher first
//   idle      the node's idle GPU milli after placing, lower first
//   cpuidle   for CPU-only tasks, the node's idle GPU milli, lower first (0
//             for GPU tasks): CPU spent beside idle GPUs is what strands
//             them, and FGD counts all idle GPU as fragment for a CPU-only
//             task on every node, so its score cannot see this
// A '-' before a key reverses it.
// Nodes equal on every key keep the scheduler's order (lowest node index).
//
// The plugin gives 100 to the best node(s) and min(99, FGD score) to the
// others, so with a large weight it decides alone, and combined with other
// scorers it still ranks the rest like FGD.
//
// Thread-safety: like FgdScorePlugin (memoises; one per scheduler).
//
//   {"name": "fgd_lex", "weight": 1000,
//    "args": {"target_workload": "trace", "order": "score,scarcity,delta"}}

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "manychip/framework/registry.h"
#include "src/plugins/fgd_score.h"

namespace manychip::plugins {

struct FgdLexKey {
  enum Kind { kScore, kDelta, kAfter, kScarcity, kBestFit, kIdle, kCpuIdle };
  Kind kind = kScore;
  bool reversed = false;  // '-' prefix: the other way round
};

// Parses the `order` argument: comma-separated key names, each at most once.
absl::StatusOr<std::vector<FgdLexKey>> ParseFgdLexOrder(absl::string_view text);

// Per GPU model index, the target workload's typed GPU demand (weight x
// milli x count, summed over tasks that name models) that may run on it.
std::vector<int64_t> TypedDemandByModel(const FragWorkload& workload);

class FgdLexScore final : public ScorePlugin, public DeviceChooser {
 public:
  FgdLexScore(FragWorkload workload, bool quantized, std::vector<FgdLexKey> order,
              int64_t score_slack, const ClusterState* cluster);
  absl::string_view name() const override { return "fgd_lex"; }
  int64_t Score(CycleState& state, const NodeView& node) const override;
  void NormalizeScore(CycleState& state, absl::Span<const NodeIndex> feasible,
                      absl::Span<int64_t> scores) const override;
  std::vector<int32_t> ChooseDevices(const CycleState& state, const NodeView& node) const override;

 private:
  FgdScorePlugin fgd_;
  std::vector<FgdLexKey> order_;
  int64_t score_slack_;
  const ClusterState* cluster_;
  std::vector<int64_t> typed_demand_;  // by model index
  mutable std::vector<int64_t> keys_;  // scratch: feasible x order, row-major
  mutable std::vector<int64_t> buf_;
};

absl::StatusOr<std::unique_ptr<Plugin>> NewFgdLexScore(const PluginArgs& args,
                                                       const FrameworkHandle& handle);

}  // namespace manychip::plugins
