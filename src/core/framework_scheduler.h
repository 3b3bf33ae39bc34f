#pragma once

// FrameworkScheduler: the one implementation of `Scheduler` (scheduler.h),
// private to the core. It runs the scheduling loop over units that each own
// one thing:
//   FrameworkRuntime (framework_runtime.h)  the plugins and the extension-
//                   point runner: finds and reserves a node for one task
//   GangTracker     (src/framework/gang_tracker.h)  a gang's reservations
//                   within one attempt
//   JobTable        (job_table.h)      job records, the queue and its indexes
//   TenantLedger    (tenant_ledger.h)  quotas, tenant usage and gang holds
//   flavor choice   (flavor_choice.h)  which flavor of a group is tried first
// Policies are plugins the profile names, run at extension points (plugin.h,
// policy.h): QueueSort and QueueOrder ("fair_share") order the queue, Admit
// ("quota") admits placements, Backfill ("backfill") reserves for the
// blocked head; without them the loop tries jobs in QueueSort order, admits
// everything and reserves nothing. The built-in policy plugins read the job
// table and the ledger through `ReadsSchedulerState` (policy_state.h). Its members are defined by
// topic:
//   scheduler.cc            events, queue order, attempts, commit, views
//   scheduler_hold.cc       gang holds across cycles and their admission
//   scheduler_explain.cc    per-node reason counts and Explain
//
// Thread-safety: as Scheduler, one owner thread.

#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "manychip/core/scheduler.h"
#include "manychip/framework/registry.h"
#include "src/core/framework_runtime.h"
#include "src/core/job_table.h"
#include "src/core/quota.h"
#include "src/core/tenant_ledger.h"
#include "src/framework/gang_tracker.h"

namespace manychip::internal {

// Outcome of placing one task group in one flavor.
enum class GroupOutcome : uint8_t { kPlaced, kPartial, kFailed };

// A job evicted during an attempt, kept so the attempt can roll back.
struct EvictedJob {
  std::string job_id;
  JobState state;
  absl::Time started;
  std::vector<int32_t> chosen_flavor;
  std::vector<std::vector<bool>> finished;
  Usage charged;
  bool holding = false;
  absl::Time hold_deadline;
  // (group, task, request, bound)
  std::vector<std::tuple<int32_t, int32_t, AllocationRequest, bool>> tasks;
};

// A failed attempt's summary, one part per flavor tried: reason counts, or
// the quota / backfill refusal. Sets `*capacity_blocked` (when given) if a
// flavor failed for capacity rather than quota or backfill.
std::string SummarizeFlavors(const std::vector<FlavorExplanation>& flavors, bool* capacity_blocked);

class FrameworkScheduler final : public Scheduler {
 public:
  explicit FrameworkScheduler(SchedulerOptions options)
      : options_(std::move(options)),
        cluster_(options_.catalog.get()),
        rng_(options_.profile.seed.value_or(options_.seed)) {}

  absl::Status Init();

  absl::Status AddNode(NodeSpec node) override;
  absl::Status RemoveNode(absl::string_view name) override;
  absl::Status SetNodeReady(absl::string_view name, bool ready) override;
  absl::Status SetNodeSchedulable(absl::string_view name, bool schedulable) override;
  void NotifyCapacityChanged() override { ++event_generation_; }
  absl::Status SetDeviceHealth(absl::string_view node, int32_t device, bool healthy,
                               absl::string_view reason) override;
  absl::Status SetTenantQuota(TenantQuotaSpec quota) override;
  absl::Status Submit(JobSpec job) override;
  absl::Status Cancel(absl::string_view job_id) override;
  absl::Status Evict(absl::string_view job_id, absl::string_view reason) override;
  absl::Status ReportTaskExit(const TaskRef& task, bool succeeded) override;
  absl::Status RestoreBinding(const Binding& binding) override;
  absl::Status RestoreTaskExit(const Binding& binding) override;
  CycleResult RunCycle() override;
  absl::StatusOr<JobView> GetJob(absl::string_view id) const override;
  std::vector<JobView> ListJobs() const override;
  absl::StatusOr<Explanation> Explain(absl::string_view job_id) const override;
  const ClusterState& cluster() const override { return cluster_; }

 private:
  // The job a restored binding names, with its group, flavor and task
  // checked against the spec and the flavor the group already runs, and
  // the group's per-task tables sized for that flavor.
  absl::StatusOr<JobRecord*> JobForRestore(const Binding& b);

  // Placement.
  bool Eligible(const JobRecord& j, absl::Time now) const;
  bool TryJob(JobRecord& j);
  // Places the tasks of group `g` in flavor `f` that `held` (per task, 0 =
  // none) does not already hold. kPlaced: `placed` = every allocation of the
  // group (held first). kPartial (only with `keep_partial`, no preemption,
  // Permit said wait): the same, short of min_available, kept assumed.
  // kFailed: this call's allocations are forgotten and its evictions undone;
  // `held` is untouched either way.
  GroupOutcome PlaceGroup(JobRecord& j, int32_t g, int32_t f, bool allow_preempt, bool keep_partial,
                          const std::vector<AllocationId>& held, std::vector<AllocationId>& placed,
                          std::vector<EvictedJob>& evicted, FlavorExplanation& ex);
  // After a failed attempt of a gang that may wait (Permit timeout > 0):
  // reserves what fits now without preemption and holds it across cycles.
  void HoldPartial(JobRecord& j, const std::string& summary);
  // Drops a gang's hold (timeout): every reservation is forgotten.
  void ExpireHold(JobRecord& j, absl::Time now);
  // `last_reject` with the attempt's index-skipped nodes recounted by their
  // true reason (see `JobRecord::index_summary`), as views and Explain show it.
  std::string RejectSummary(const JobRecord& j) const;
  // Whether the backfill plugin (if any) lets `j` take `milli` device milli
  // of `models` now.
  bool BackfillAllows(const JobRecord& j, const std::vector<int32_t>& models, int64_t milli) const;
  bool BackfillReserving() const {
    return runtime_.backfill() != nullptr && runtime_.backfill()->Reserving();
  }
  // Whether an Admit plugin may refuse `j` at all; when none may, the
  // scheduler does not compute what an attempt charges.
  bool AdmitLimits(const JobRecord& j) const;
  // The first Admit plugin's refusal of `add` for `j`, or Fit.
  Decision Admit(const JobRecord& j, const Usage& add) const;
  // Running jobs whose replicas beyond min_available did not all fit: places
  // what fits now (no preemption), commits it, backs off otherwise.
  void PlaceMissingReplicas(JobRecord& j, CycleResult& out);

  // Jobs and capacity.
  EvictedJob EvictJob(JobRecord& j, JobState new_state);
  void RestoreEvicted(const EvictedJob& e);
  void Release(JobRecord& j, JobState new_state, bool stop_tasks);
  void FailOver(const std::vector<AllocationId>& ids);
  void CommitJob(JobRecord& j, CycleResult& out);
  Binding MakeBinding(const JobRecord& j, int32_t g, int32_t t, const Allocation& a) const;
  JobView ToView(const JobRecord& j) const;
  // Adds (+1) or removes (-1) node `n`'s capacity from the ledger's totals.
  void AddCapacityOf(NodeIndex n, int sign);
  // What `j`'s current allocations charge, bound or not.
  Usage AllocCharge(const JobRecord& j) const;
  // Every change of a job's hold goes through here so the ledger's holds
  // stay exact: the hold's charge is `AllocCharge(j)` while holding, else none.
  void SyncHoldCharge(JobRecord& j);
  void MarkFailed(JobRecord& j, absl::Time now);

  SchedulerOptions options_;
  ClusterState cluster_;
  std::mt19937_64 rng_;
  FrameworkHandle handle_;
  FrameworkRuntime runtime_{&cluster_};
  GangTracker gangs_;
  JobTable jobs_;
  TenantLedger tenants_;
  uint64_t event_generation_ = 1;
  std::vector<TaskRef> pending_stops_;
  std::vector<Preemption> pending_preemptions_;  // CycleResult::preemptions
};

}  // namespace manychip::internal
