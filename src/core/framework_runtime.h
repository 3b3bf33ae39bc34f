#pragma once

// FrameworkRuntime: the extension-point runner. It builds the plugins a
// profile names, files each under the extension points it implements (in
// profile order), and runs the task-level points over the cluster for one
// task: PreFilter, Filter over the candidate nodes of the free-capacity
// indexes, PreScore, Score + NormalizeScore, and Reserve (the device pick).
// The job-level points (QueueSort, PostFilter, Permit of plugin.h; QueueOrder,
// Admit, Backfill of policy.h) are handed to the scheduling loop, which runs
// them at its own steps (framework_scheduler.h).
//
// Ownership: owns the plugins. Reads the cluster for every point and
// mutates it only in Reserve (ClusterState::Assume); the cluster and the
// handle given to Build outlive it.
// Thread-safety: not thread-safe; the scheduler's owner thread only.
//
//   FrameworkRuntime runtime(&cluster);
//   MC_RETURN_IF_ERROR(runtime.Build(profile, registry, handle));
//   NodeIndex n = runtime.FindNode(cs, &explanation);
//   if (n != kNoNode) MC_ASSIGN_OR_RETURN(AllocationId id, runtime.Reserve(cs, n));

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "manychip/core/cluster_state.h"
#include "manychip/core/explain.h"
#include "manychip/core/profile.h"
#include "manychip/framework/policy.h"
#include "manychip/framework/registry.h"

namespace manychip::internal {

class FrameworkRuntime {
 public:
  explicit FrameworkRuntime(ClusterState* cluster) : cluster_(cluster) {}

  // Creates the plugins of `profile` from `registry`, each with `handle`.
  // InvalidArgument for a plugin listed twice, an unknown plugin or bad
  // arguments (from the registry), a profile without a QueueSort plugin, or
  // a negative max_feasible_nodes.
  absl::Status Build(const ProfileSpec& profile, const PluginRegistry& registry,
                     const FrameworkHandle& handle);

  // Every plugin, in profile order.
  const std::vector<std::unique_ptr<Plugin>>& plugins() const { return plugins_; }
  // Job-level extension points (plugin.h, policy.h). The first QueueSort,
  // QueueOrder and Backfill plugins win (Backfill only while
  // ProfileSpec::backfill); every PostFilter, Permit and Admit plugin runs.
  const QueueSortPlugin& queue_sort() const { return *queue_sort_; }
  const QueueOrderPlugin* queue_order() const { return queue_order_; }  // null: QueueSort order
  BackfillPlugin* backfill() const { return backfill_; }                // null: no reservation
  const std::vector<const PostFilterPlugin*>& postfilters() const { return postfilters_; }
  const std::vector<const PermitPlugin*>& permits() const { return permits_; }
  // How long a gang may hold a partial placement: the first Permit
  // plugin's timeout, zero without one.
  absl::Duration HoldTimeout() const {
    return permits_.empty() ? absl::ZeroDuration() : permits_.front()->Timeout();
  }
  // Whether an Admit plugin may refuse `job` at all.
  bool AdmitLimits(const JobSpec& job) const;
  // The first Admit plugin's refusal of `add`, or Fit (see plugin.h).
  Decision Admit(const JobSpec& job, const Usage& add, const Usage& own_held) const;

  // The best node for the task `cs` describes, or kNoNode. With `ex`, the
  // attempt's reason counts are written there (what the capacity index
  // skipped counted as short of cards: see CountReasons).
  NodeIndex FindNode(CycleState& cs, FlavorExplanation* ex);
  // Assumes the task on `node` (chosen by FindNode with the same `cs`),
  // with the devices of the best-ranked pick (cycle_state.h) or the
  // generic choice. Internal if no pick fits a feasible node.
  absl::StatusOr<AllocationId> Reserve(CycleState& cs, NodeIndex node);
  // Exact reasons, node by node, why the first task of group `g` in flavor
  // `f` fits nowhere: sets nodes_total, nodes_feasible, reasons and
  // by_plugin of `ex` (not its outcome). Explain shows these, and a failed
  // attempt's summary recounts with it the nodes FindNode's capacity index
  // skipped, so the two agree. O(nodes): only when someone reads them.
  void CountReasons(const JobSpec& spec, int32_t g, int32_t f, FlavorExplanation& ex);

 private:
  struct ScoreEntry {
    ScorePlugin* plugin;
    int64_t weight;
    int prescore = -1;  // index into prescorers_ when the plugin also pre-scores
    int32_t rank = 0;   // device-choice rank: weight descending, then profile order
  };
  struct PreScoreEntry {
    const PreScorePlugin* plugin;
    std::string name;
  };

  bool RunPreFilters(CycleState& cs, std::vector<bool>& skip, FlavorExplanation* ex, int32_t nodes);
  // PreScore plugins on the feasible nodes; false: one refused (explained).
  bool RunPreScores(CycleState& cs, const std::vector<NodeIndex>& feasible, FlavorExplanation* ex);
  RejectReason NodeStateRejects(NodeIndex n) const;
  // Returns the rejecting filter's index or -1; sets *decision.
  int FilterNode(CycleState& cs, const std::vector<bool>& skip, const NodeView& v,
                 Decision* decision) const;

  ClusterState* cluster_;
  int32_t max_feasible_nodes_ = 0;
  std::vector<std::unique_ptr<Plugin>> plugins_;
  const QueueSortPlugin* queue_sort_ = nullptr;
  const QueueOrderPlugin* queue_order_ = nullptr;
  BackfillPlugin* backfill_ = nullptr;
  std::vector<const AdmitPlugin*> admits_;
  std::vector<const PreFilterPlugin*> prefilters_;
  std::vector<const FilterPlugin*> filters_;
  std::vector<std::string> filter_names_;
  std::vector<int> prefilter_for_filter_;  // filter index -> prefilter index or -1
  std::vector<const PostFilterPlugin*> postfilters_;
  std::vector<PreScoreEntry> prescorers_;
  std::vector<ScoreEntry> scorers_;
  std::vector<const PermitPlugin*> permits_;
  // FindNode scratch, reused across calls to keep the hot path allocation-free.
  std::vector<NodeIndex> feasible_;
  std::vector<int64_t> total_, scores_;
  std::vector<int32_t> plugin_counts_;
  std::vector<bool> skip_;
  std::vector<bool> score_skip_;     // per scorer: its PreScore said kSkip
  std::vector<bool> prescore_skip_;  // per PreScore plugin, this attempt
};

}  // namespace manychip::internal
