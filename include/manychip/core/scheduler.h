#pragma once

// Scheduler: the one scheduling core that the daemon, the simulator and the
// tests drive. It owns the cluster state, the queue and the plugin framework.
//
// Threading: one owner thread. The core has no locks; every call must come
// from the same thread (the daemon posts to its core io_context, the
// simulator and tests call directly). Time comes from the injected Clock.
// Same inputs and seed give the same placements, bit for bit.
//
// Flow: Submit/Cancel/ReportTaskExit/node events change the state; RunCycle
// tries pending jobs in the profile's queue order (QueueSort, reordered by a
// QueueOrder plugin: the default profile's `fair_share` interleaves tenants
// by dominant share), places each gang entirely within one flavor or not at
// all, admitted by the profile's Admit plugins (`quota`: max quotas),
// preempts lower priority work when allowed, and returns the new bindings
// plus the tasks to stop. Unschedulable jobs back off and are retried when
// capacity changes. Policies are plugins (framework/plugin.h, policy.h).
//
// Gangs that may wait: when the profile's Permit plugin (`gang`) has a
// timeout > 0, a gang short of capacity keeps what fits as a hold: those
// tasks are assumed in the cluster state (not bound, not launched, not in
// JobView::bindings, not the tenant's usage, but counted against its max
// quota: a gang holds only if its need at min_available fits the max beside
// the tenant's running work and other holds) and nobody else can take their
// capacity, except that a higher-priority job may preempt a hold whose job is
// preemptible, exactly as it may preempt running work; the whole hold then
// goes (a gang's hold is one unit). Later cycles place the missing tasks in
// the held flavor; once every group reaches min_available the gang binds as
// one. When the timeout passes first, every held reservation is released
// and the job backs off. Cancel, node loss and device failure release holds
// too. With timeout 0 (the default) a gang must be whole within one cycle.
//
// Replicas beyond min_available that did not fit when the job started are
// retried like unschedulable work (back-off, then on capacity events), after
// every pending job of the cycle, without preemption.
//
//   SchedulerOptions o{.catalog = catalog, .adapters = &registry, .clock = &clock,
//                      .profile = DefaultProfile()};
//   MC_ASSIGN_OR_RETURN(std::unique_ptr<Scheduler> s, Scheduler::Create(std::move(o)));
//   MC_RETURN_IF_ERROR(s->AddNode(node));
//   MC_RETURN_IF_ERROR(s->Submit(job));
//   CycleResult r = s->RunCycle();   // r.placed -> launch, r.to_stop -> stop

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "manychip/adapters/device_adapter.h"
#include "manychip/clock.h"
#include "manychip/core/catalog.h"
#include "manychip/core/cluster_state.h"
#include "manychip/core/explain.h"
#include "manychip/core/job.h"
#include "manychip/core/node.h"
#include "manychip/core/profile.h"
#include "manychip/core/scheduler_observer.h"

namespace manychip {

class AdapterRegistry;

struct SchedulerOptions {
  std::shared_ptr<const Catalog> catalog;
  const AdapterRegistry* adapters = nullptr;  // may be null: generic whole-card choice
  const Clock* clock = nullptr;
  ProfileSpec profile = DefaultProfile();
  uint64_t seed = 42;
  // Extra plugins (tests, embedders); merged into BuiltinPlugins() by
  // Create, which shares their factories and leaves the registry unchanged:
  // one registry may serve several schedulers. A name also built in is
  // AlreadyExists.
  std::shared_ptr<PluginRegistry> extra_plugins;
  // Counts and times attempts (see scheduler_observer.h); null = none.
  SchedulerObserver* observer = nullptr;
};

// One task placed on one node.
struct Binding {
  TaskRef task;
  int32_t flavor = 0;
  std::string flavor_name;
  std::string node;
  std::vector<int32_t> devices;
  MilliDevices share;     // per device: 1000 whole, < 1000 fractional
  Visibility visibility;  // from the vendor adapter; empty without one
  // How many times this task (job, group, index) has been placed, this
  // placement included: 1 at first, one more each time it is placed again
  // after a stop (preemption, failover, eviction), even within one cycle,
  // where `CycleResult::to_stop` names the task for its earlier attempt.
  // Set by the core; RestoreBinding takes the restored attempt's number and
  // later placements count on from it (0 there counts as 1).
  int32_t attempt = 0;
};

// One preemption decision: `preemptor` was placed by taking the capacity
// of `victims` (their running tasks are in the same cycle's `to_stop`, or
// their gang holds were released). Both sides as they were at the time,
// for the embedder's event log and explain.
struct PreemptedJob {
  std::string job_id = {};
  std::string tenant = {};
  int32_t priority = 0;
  bool gang_hold = false;  // its hold was taken, not running tasks
};
struct Preemption {
  PreemptedJob preemptor;  // gang_hold unused
  std::vector<PreemptedJob> victims = {};
};

struct CycleResult {
  std::vector<Binding> placed;
  std::vector<TaskRef> to_stop;              // preempted, failed over, or unhealthy device
  std::vector<Preemption> preemptions = {};  // in decision order
};

enum class JobState : uint8_t { kPending, kRunning, kSucceeded, kFailed, kCancelled };
absl::string_view JobStateName(JobState s);

struct JobView {
  JobSpec spec;
  JobState state = JobState::kPending;
  std::vector<int32_t> chosen_flavor;  // per task group; -1 while pending
  std::vector<Binding> bindings;
  std::string last_reject;  // one-line summary of the last failed attempt
  absl::Time submitted;
  absl::Time started;  // InfinitePast while pending
  int32_t attempts = 0;
  int32_t preemptions = 0;
};

class Scheduler {
 public:
  static absl::StatusOr<std::unique_ptr<Scheduler>> Create(SchedulerOptions options);
  virtual ~Scheduler() = default;

  virtual absl::Status AddNode(NodeSpec node) = 0;
  // Stops (to_stop of the next cycle) and requeues the node's tasks.
  virtual absl::Status RemoveNode(absl::string_view name) = 0;
  // Not ready = lost: its tasks are stopped and their jobs requeued.
  virtual absl::Status SetNodeReady(absl::string_view name, bool ready) = 0;
  // Cordon (false) / uncordon (true); running tasks stay.
  virtual absl::Status SetNodeSchedulable(absl::string_view name, bool schedulable) = 0;
  // Capacity the core cannot see came back (e.g. a profile plugin of the
  // embedder's, like the daemon's device quarantine, stopped refusing a
  // node): jobs waiting in back-off are retried at the next cycle.
  virtual void NotifyCapacityChanged() = 0;
  // An unhealthy device leaves the allocatable pool; its tasks are reported
  // in to_stop and their jobs requeued.
  virtual absl::Status SetDeviceHealth(absl::string_view node, int32_t device, bool healthy,
                                       absl::string_view reason) = 0;
  virtual absl::Status SetTenantQuota(TenantQuotaSpec quota) = 0;

  // InvalidArgument on a malformed job (field path named); AlreadyExists.
  virtual absl::Status Submit(JobSpec job) = 0;
  virtual absl::Status Cancel(absl::string_view job_id) = 0;
  // Stops every task of a RUNNING job (to_stop of the next cycle) and queues
  // it again, the way a node loss does: a gang restarts whole. Used by the
  // daemon's drain and its rate-limited evictions; `reason` becomes the
  // job's last_reject. NotFound; FailedPrecondition unless RUNNING.
  virtual absl::Status Evict(absl::string_view job_id, absl::string_view reason) = 0;
  virtual absl::Status ReportTaskExit(const TaskRef& task, bool succeeded) = 0;
  // Daemon restart: re-assume a running task exactly as it was bound.
  virtual absl::Status RestoreBinding(const Binding& binding) = 0;
  // Daemon restart: a task of a RUNNING job (its siblings already restored
  // with RestoreBinding) that had exited 0 under `binding`. Like after
  // ReportTaskExit, it holds no capacity and is not placed again; without
  // this call the core takes it for a replica never placed and places it
  // under a new attempt. FailedPrecondition unless the job is RUNNING (a
  // gang with nothing left running restarts whole, as after a failover);
  // AlreadyExists if the task is bound or already recorded as exited.
  virtual absl::Status RestoreTaskExit(const Binding& binding) = 0;

  virtual CycleResult RunCycle() = 0;

  virtual absl::StatusOr<JobView> GetJob(absl::string_view id) const = 0;
  // Submission order.
  virtual std::vector<JobView> ListJobs() const = 0;
  virtual absl::StatusOr<Explanation> Explain(absl::string_view job_id) const = 0;
  virtual const ClusterState& cluster() const = 0;
};

}  // namespace manychip
