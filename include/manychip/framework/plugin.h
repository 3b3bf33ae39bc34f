#pragma once

// Scheduling framework extension points, after the Kubernetes scheduling
// framework. A plugin derives from `Plugin` and from each extension point it
// implements, and says so:
//
//   class ArchFilter final : public FilterPlugin { ... };
//   static_assert(std::is_base_of_v<FilterPlugin, ArchFilter>);
//
// What the scheduler does with each outcome:
//   QueueSort    orders pending jobs (the first QueueSort plugin wins).
//   PreFilter    once per task attempt. kUnschedulable/kUnresolvable: the
//                flavor is rejected for this task without visiting nodes.
//                kSkip: the plugin's Filter is skipped for this attempt.
//                May narrow candidates with CycleState::Restrict.
//   Filter       per candidate node, const. Any non-fit verdict removes the
//                node; the first rejecting plugin's reason is counted for
//                explain ("which plugin rejected").
//   PostFilter   when no node fits: may nominate victims (preemption).
//   PreScore     once per task attempt, after Filter, with the feasible nodes
//                (node-index order), before any Score: a plugin precomputes
//                what its Score needs for this task. kSkip: the same
//                plugin's Score is not called for this attempt (it adds 0).
//                kUnschedulable/kUnresolvable: the flavor is rejected for
//                this task; every feasible node is counted under the
//                plugin's name and reason in explain (a PreScore that cannot
//                do its work must say so, not score blindly).
//   Score        per feasible node, 0..100; multiplied by the profile weight.
//                A score plugin may also pick the devices (see CycleState:
//                the highest-weighted picking plugin decides).
//   NormalizeScore  optional rescale of one plugin's scores to 0..100.
//   Reserve      the chosen node; Unreserve must be idempotent (called when a
//                later task of the gang fails or Permit times out).
//   Permit       kFit: bind now; kWait: hold until the gang is whole or the
//                timeout passes; otherwise unreserve everything of the gang.
//   Bind         after Permit; a Status error unreserves the gang.
// The job-level policies around these (QueueOrder, Admit, Backfill: fair
// share, quota, backfill) are extension points too, in policy.h.
//
// Filter and Score are const on plugin state: they read a NodeView and the
// CycleState only. Capacity changes go through ClusterState (Assume/Forget/
// Bind), which only the scheduler calls.
//
// Thread-safety: plugins run on the scheduler thread only.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "manychip/clock.h"
#include "manychip/core/catalog.h"
#include "manychip/core/cluster_state.h"
#include "manychip/core/job.h"
#include "manychip/framework/cycle_state.h"
#include "manychip/framework/decision.h"

namespace manychip {

class AdapterRegistry;

// What a plugin may see of the scheduler. Pointers outlive the plugin.
struct FrameworkHandle {
  const Catalog* catalog = nullptr;
  const AdapterRegistry* adapters = nullptr;  // may be null: generic choice
  const ClusterState* cluster = nullptr;
  const Clock* clock = nullptr;
  std::mt19937_64* rng = nullptr;  // the scheduler's one seeded generator
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual absl::string_view name() const = 0;
};

// A pending job as the queue sees it.
struct QueuedJobInfo {
  const JobSpec* job = nullptr;
  int64_t sequence = 0;  // submission order
  absl::Time submitted;
};

class QueueSortPlugin : public virtual Plugin {
 public:
  virtual bool Less(const QueuedJobInfo& a, const QueuedJobInfo& b) const = 0;
};

class PreFilterPlugin : public virtual Plugin {
 public:
  virtual Decision PreFilter(CycleState& state) const = 0;
};

class FilterPlugin : public virtual Plugin {
 public:
  virtual Decision Filter(CycleState& state, const NodeView& node) const = 0;
};

// One task of a victim job that preemption would stop.
struct PreemptionPlan {
  NodeIndex node = kNoNode;
  std::vector<std::string> victim_jobs;  // whole jobs: a gang goes as one
};

class PostFilterPlugin : public virtual Plugin {
 public:
  // Nominates a node and the victims that, once stopped, let the task fit.
  // NotFound when no set of victims helps.
  virtual absl::StatusOr<PreemptionPlan> PostFilter(CycleState& state) const = 0;
};

class PreScorePlugin : public virtual Plugin {
 public:
  virtual Decision PreScore(CycleState& state, absl::Span<const NodeIndex> feasible) const = 0;
};

class ScorePlugin : public virtual Plugin {
 public:
  // 0..100, higher is better. Values outside are clamped by the framework.
  virtual int64_t Score(CycleState& state, const NodeView& node) const = 0;
  // Optional rescale of this plugin's scores (index-aligned with `feasible`).
  virtual void NormalizeScore(CycleState& state, absl::Span<const NodeIndex> feasible,
                              absl::Span<int64_t> scores) const {}
};

class ReservePlugin : public virtual Plugin {
 public:
  virtual absl::Status Reserve(CycleState& state, const Allocation& allocation) = 0;
  // Idempotent.
  virtual void Unreserve(CycleState& state, const Allocation& allocation) = 0;
};

class PermitPlugin : public virtual Plugin {
 public:
  // `reserved`: tasks of this task group reserved so far in this attempt.
  virtual Decision Permit(const CycleState& state, int32_t reserved) const = 0;
  virtual absl::Duration Timeout() const { return absl::ZeroDuration(); }
};

class BindPlugin : public virtual Plugin {
 public:
  virtual absl::Status Bind(const Allocation& allocation) = 0;
};

}  // namespace manychip
