#pragma once

// FrameworkScheduler: the one implementation of `Scheduler` (scheduler.h),
// private to the core. Its members are defined by topic:
//   scheduler.cc            events, queue order, attempts, commit, views
//   scheduler_backfill.cc   the EASY-backfill reservation of the blocked head
//   scheduler_hold.cc       gang holds across cycles and their quota charge
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
#include "src/core/quota.h"
#include "src/plugins/gang.h"

namespace manychip::internal {

struct ScorePluginEntry {
  ScorePlugin* plugin;
  int64_t weight;
  int prescore = -1;  // index into prescorers_ when the plugin also pre-scores
  int32_t rank = 0;   // device-choice rank: weight descending, then profile order
};

struct PreScoreEntry {
  const PreScorePlugin* plugin;
  std::string name;
};

struct JobRecord {
  JobSpec spec;
  JobState state = JobState::kPending;
  int64_t sequence = 0;
  absl::Time submitted;
  absl::Time started = absl::InfinitePast();
  std::vector<int32_t> chosen_flavor;             // per group
  std::vector<std::vector<AllocationId>> allocs;  // per group, per task; 0 = none
  std::vector<std::vector<bool>> finished;        // per group, per task
  int32_t live_tasks = 0;
  Usage charged;
  std::string last_reject;
  std::vector<FlavorExplanation> last_flavors;
  int32_t attempts = 0;
  int32_t preemptions = 0;
  // Back-off: retried once an event happened after the failure and the
  // back-off passed, or after backoff_max as a safety net.
  bool backing_off = false;
  uint64_t fail_generation = 0;
  absl::Time failed_at;
  absl::Duration backoff = absl::ZeroDuration();
  // Gang hold (Permit kWait with a timeout): while PENDING, `allocs` and
  // `chosen_flavor` hold assumed, unbound reservations carried across cycles
  // until the gang is whole (commit) or `hold_deadline` passes (released).
  bool holding = false;
  absl::Time hold_deadline = absl::InfiniteFuture();
  // What the held reservations charge against the tenant's max quota (not
  // its usage: a hold is not running work). Kept in `tenant_held_` too.
  Usage held_charge;
  // Jobs this one preempted when it last started ("b (tenant x, priority
  // 0), ..."); empty if none.
  std::string displaced;
  // The failure summary as the attempt wrote it when it still counts nodes
  // the capacity index skipped as short of cards; RejectSummary() recounts
  // them by their true reason when the summary is read. Empty otherwise.
  std::string index_summary;
  // RejectSummary()'s recount of `index_summary`, made at the first read
  // after the attempt and kept until the next one: the daemon reads every
  // pending job's view each second, and a recount scans every node.
  mutable std::string recounted_summary;
};

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

// EASY-backfill reservation of the first blocked job.
struct Reservation {
  bool active = false;
  int32_t priority = 0;
  std::vector<int32_t> models;  // sorted
  absl::Time shadow = absl::InfiniteFuture();
  int64_t extra_milli = 0;  // capacity left at the shadow time beyond the head's need
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
  CycleResult RunCycle() override;
  absl::StatusOr<JobView> GetJob(absl::string_view id) const override;
  std::vector<JobView> ListJobs() const override;
  absl::StatusOr<Explanation> Explain(absl::string_view job_id) const override;
  const ClusterState& cluster() const override { return cluster_; }

 private:
  // Placement.
  bool Eligible(const JobRecord& j, absl::Time now) const;
  bool TryJob(JobRecord& j, Reservation& reservation, bool is_blocked_head_candidate);
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
  void HoldPartial(JobRecord& j, const Reservation& reservation, const std::string& summary);
  // Drops a gang's hold (timeout): every reservation is forgotten.
  void ExpireHold(JobRecord& j, absl::Time now);
  absl::Duration HoldTimeout() const {
    return permits_.empty() ? absl::ZeroDuration() : permits_.front()->Timeout();
  }
  NodeIndex FindNode(CycleState& cs, FlavorExplanation* ex);
  // Exact reasons, node by node, why the first task of group `g` in flavor
  // `f` fits nowhere: sets nodes_total, nodes_feasible, reasons and
  // by_plugin of `ex` (not its outcome). Explain shows these, and a failed
  // attempt's summary recounts with it the nodes FindNode's capacity index
  // skipped, so the two agree. O(nodes): only when someone reads them.
  void CountReasons(const JobSpec& spec, int32_t g, int32_t f, FlavorExplanation& ex);
  // `last_reject` with the attempt's index-skipped nodes recounted by their
  // true reason (see `JobRecord::index_summary`), as views and Explain show it.
  std::string RejectSummary(const JobRecord& j) const;
  bool RunPreFilters(CycleState& cs, std::vector<bool>& skip, FlavorExplanation* ex, int32_t nodes);
  // PreScore plugins on the feasible nodes; false: one refused (explained).
  bool RunPreScores(CycleState& cs, const std::vector<NodeIndex>& feasible, FlavorExplanation* ex);
  // Returns the rejecting plugin index or -1; sets *decision.
  RejectReason NodeStateRejects(NodeIndex n) const;
  int FilterNode(CycleState& cs, const std::vector<bool>& skip, const NodeView& v,
                 Decision* decision) const;
  absl::StatusOr<AllocationId> Reserve(CycleState& cs, NodeIndex node);
  std::vector<int64_t> FlavorChoiceScores(const JobRecord& j, int32_t g) const;
  int64_t FreeMilliOfModels(const std::vector<int32_t>& models, bool fractional) const;
  bool BackfillAllows(const JobRecord& j, const FlavorSpec& f, const Reservation& r) const;
  // Same, for `milli` device milli of `models`.
  bool BackfillAllowsMilli(const JobRecord& j, const std::vector<int32_t>& models, int64_t milli,
                           const Reservation& r) const;
  // Running jobs whose replicas beyond min_available did not all fit: places
  // what fits now (no preemption), commits it, backs off otherwise.
  void PlaceMissingReplicas(JobRecord& j, const Reservation& reservation, CycleResult& out);
  // Keeps `incomplete_` exact for a job whose allocations just changed.
  void TrackIncomplete(JobRecord& j);
  Reservation MakeReservation(const JobRecord& head) const;

  // Jobs and capacity.
  EvictedJob EvictJob(JobRecord& j, JobState new_state);
  void RestoreEvicted(const EvictedJob& e);
  void Release(JobRecord& j, JobState new_state, bool stop_tasks);
  void FailOver(const std::vector<AllocationId>& ids);
  void CommitJob(JobRecord& j, CycleResult& out);
  Binding MakeBinding(const JobRecord& j, int32_t g, int32_t t, const Allocation& a) const;
  JobView ToView(const JobRecord& j) const;
  Usage ChargeOf(const JobRecord& j) const;
  int64_t DominantSharePpm(const std::string& tenant) const;
  // What `j`'s current allocations charge, bound or not.
  Usage AllocCharge(const JobRecord& j) const;
  // Every change of a job's hold goes through here so `tenant_held_` stays
  // exact: the hold's charge is `AllocCharge(j)` while holding, else none.
  void SyncHoldCharge(JobRecord& j);
  // What the tenant's max quota is judged against for `j`: its running usage
  // plus every gang hold of the tenant but `j`'s own.
  Usage QuotaBase(const JobRecord& j) const;
  const TenantQuotaSpec* Quota(const std::string& tenant) const;
  void MarkFailed(JobRecord& j, absl::Time now);
  JobRecord* FindJob(absl::string_view id);
  // Every job state change goes through here so `running_` stays exact.
  void SetState(JobRecord& j, JobState state);

  SchedulerOptions options_;
  ClusterState cluster_;
  std::mt19937_64 rng_;
  FrameworkHandle handle_;
  std::vector<std::unique_ptr<Plugin>> plugins_;
  const QueueSortPlugin* queue_sort_ = nullptr;
  std::vector<const PreFilterPlugin*> prefilters_;
  std::vector<const FilterPlugin*> filters_;
  std::vector<std::string> filter_names_;
  std::vector<int> prefilter_for_filter_;  // filter index -> prefilter index or -1
  std::vector<const PostFilterPlugin*> postfilters_;
  std::vector<PreScoreEntry> prescorers_;
  std::vector<ScorePluginEntry> scorers_;
  std::vector<const PermitPlugin*> permits_;
  plugins::GangTracker gangs_;

  absl::flat_hash_map<std::string, std::unique_ptr<JobRecord>> jobs_;
  std::map<int64_t, JobRecord*> by_sequence_;  // all jobs, submission order
  std::map<int64_t, JobRecord*> pending_;
  std::map<int64_t, JobRecord*> running_;  // backfill planning reads only these
  // Running jobs with replicas (beyond min_available) still unplaced.
  std::map<int64_t, JobRecord*> incomplete_;
  std::map<std::string, TenantQuotaSpec> quotas_;
  std::map<std::string, Usage> tenant_usage_;
  std::map<std::string, Usage> tenant_held_;  // gang holds, for max quota only
  int64_t next_sequence_ = 1;
  uint64_t event_generation_ = 1;
  std::vector<TaskRef> pending_stops_;
  // FindNode scratch, reused across calls to keep the hot path allocation-free.
  std::vector<NodeIndex> feasible_;
  std::vector<int64_t> total_, scores_;
  std::vector<int32_t> plugin_counts_;
  std::vector<bool> skip_;
  std::vector<bool> score_skip_;     // per scorer: its PreScore said kSkip
  std::vector<bool> prescore_skip_;  // per PreScore plugin, this attempt
  // Cluster totals for DRF.
  int64_t total_cpu_ = 0, total_memory_ = 0, total_devices_ = 0;
};

}  // namespace manychip::internal
