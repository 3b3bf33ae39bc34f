#pragma once

// Fragmentation Gradient Descent (FGD, Weng et al., USENIX ATC'23) as a score
// plugin, built on the fragmentation measure of manychip/core/fragmentation.h
// (defined in score_fgd.cc), which the simulator reuses for its metrics.
//
// Fragmentation of a node with respect to one task m (`GetNodePodFrag`):
// when m fits the node, the idle GPU share on GPUs too small for m; when m
// does not fit (or m is CPU-only, or cannot use the node's model), all idle
// GPU share. The node's fragmentation against a target workload M is the
// popularity-weighted sum over M. Weights are integer counts, so
// `WeightedFrag` is exact integer arithmetic (milli-GPU x count); only the
// final score quantisation uses floating point, as docs/design/style.md asks.
//
// Thread-safety: the free functions are pure. `FragCache` is not thread-safe;
// give each scheduler its own.
//
//   FragWorkload w = ...;                                  // typical tasks
//   int64_t f = WeightedFrag(w, model, cpu_left, free);    // x w.total_weight
//   int64_t s = FgdScore(f_before, f_after, w.total_weight);  // 0..100

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "manychip/core/fragmentation.h"
#include "manychip/framework/registry.h"
#include "src/plugins/gpu_share.h"

namespace manychip::plugins {

// FGD's evaluation of one node for one task: the fragmentation change of
// the best GPU choice. Sharing tasks try every GPU that fits and keep the one
// with the highest quantised score (`quantized`) or the lowest exact change
// (otherwise), the lowest index on ties; whole-GPU and CPU-only tasks have one
// outcome. `fit` is false when the GPUs cannot hold the task.
struct FgdChoice {
  bool fit = false;
  int64_t score = 0;           // FgdScore, 0..100
  int64_t weighted_delta = 0;  // (F_after - F_before) x total_weight
  int64_t weighted_after = 0;  // F_after x total_weight
  std::vector<int32_t> gpus;
};
FgdChoice FgdEvaluate(const GpuNode& node, const GpuAsk& ask, FragCache& cache, bool quantized);

// Score plugin "fgd". Args:
//   target_workload  (required) the typical tasks, in ParseFragWorkload form;
//                    the simulator derives it from a trace (TypicalWorkload).
//   quantized        (default true) rank GPUs within a node by the integer
//                    score, as the paper; false ranks by the exact change.
// Defers the GPU pick to the chosen node (the choice it scored). Results are memoised
// per node until the node's free CPU or GPUs change, and fragmentation values
// per node state (FragCache), so the cost per task is a lookup for every node
// whose state has not changed since the same task shape was last scored.
class FgdScorePlugin final : public ScorePlugin, public DeviceChooser {
 public:
  FgdScorePlugin(FragWorkload workload, bool quantized);
  absl::string_view name() const override { return "fgd"; }
  int64_t Score(CycleState& state, const NodeView& node) const override;
  // The GPU(s) of the choice Score made for `node` (deferred, not proposed
  // for every node: see DeviceChooser).
  std::vector<int32_t> ChooseDevices(const CycleState& state, const NodeView& node) const override;
  // The memoised choice for `ask` on `node`, evaluated if the node changed
  // since it was last scored (fgd_lex ranks nodes by it).
  const FgdChoice& Choice(const GpuAsk& ask, const NodeView& node) const;
  const FragWorkload& workload() const { return *workload_; }

 private:
  struct AskKey {
    int64_t cpu, milli;
    int32_t count;
    bool operator==(const AskKey&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const AskKey& k) {
      return H::combine(std::move(h), k.cpu, k.milli, k.count);
    }
  };
  // Per node: the state the memo is valid for; a state change bumps the
  // stamp, which invalidates every ask's choice for the node in O(1).
  struct NodeMemo {
    int64_t cpu_left = -1;
    std::vector<int64_t> free;
    uint32_t stamp = 1;
  };
  // One ask's choice on one node, valid while `stamp` equals the node's.
  struct AskSlot {
    uint32_t stamp = 0;
    FgdChoice choice;
  };
  int32_t InternAsk(const AskKey& key) const;

  std::unique_ptr<FragWorkload> workload_;  // stable address for cache_
  bool quantized_;
  // Memoisation only: Score is logically const.
  mutable FragCache cache_;
  mutable std::vector<NodeMemo> memo_;  // by NodeIndex
  // By interned ask, then NodeIndex: the scheduler scores the nodes of one
  // ask in ascending index order, so this is read sequentially (cache
  // friendly) instead of one heap block per node.
  mutable std::vector<std::vector<AskSlot>> by_ask_;
  mutable absl::flat_hash_map<AskKey, int32_t> ask_ids_;  // lookups only
  mutable AskKey last_key_{-1, -1, -1};
  mutable int32_t last_id_ = -1;
};
static_assert(std::is_base_of_v<ScorePlugin, FgdScorePlugin>);

absl::StatusOr<std::unique_ptr<Plugin>> NewFgdScore(const PluginArgs& args,
                                                    const FrameworkHandle& handle);

}  // namespace manychip::plugins
