#pragma once

// Controller: the daemon's control plane on its one owner thread. It owns
// the scheduler core and the job/task table, turns core decisions into
// LaunchTask/StopTask messages, and wires the parts that each keep one
// responsibility (each with its own header and tests):
//
//   NodeSessions    the node table: registrations, sessions, liveness
//   LaunchTracker   unacknowledged launches, resends, launch-failure holds
//   EvictionBudget  how many running jobs may be evicted right now
//   Registrar       what changed since the last durable write; one Flush
//   WatchHub        the WatchJobs fan-out
//
// Threading: every method below `Post` must run as work posted to the
// injected Executor; gRPC handlers reach it only through `Post` (STYLE.md
// §7). The links it holds (SessionLink, WatchLink) are thread-safe
// outboxes. Time comes only from the injected Clock, and timers only from
// `Tick`, which the driver calls every `cycle_interval` (ControllerThread in
// the daemon; tests/unit/service/controller_test.cc drives it on a
// FakeClock with a ManualExecutor).
//
// Durability: each operation mutates in memory, marks what changed in the
// Registrar, then `Flush`es one StoreWrite. Launches, acknowledgements of
// task outcomes and watch notifications are sent only after the write
// holding them succeeded, so a restart never forgets a task it launched,
// never launches one twice, and never has an agent drop an outcome the
// store has not recorded.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "manychip/adapters/adapter_registry.h"
#include "manychip/clock.h"
#include "manychip/core/catalog.h"
#include "manychip/core/quota.h"
#include "manychip/core/scheduler.h"
#include "manychip/store/state_store.h"
#include "manychip/v1/agent.pb.h"
#include "manychip/v1/scheduler.pb.h"
#include "src/service/caller.h"
#include "src/service/event_hub.h"
#include "src/service/eviction_budget.h"
#include "src/service/executor.h"
#include "src/service/job_ids.h"
#include "src/service/launch_tracker.h"
#include "src/service/log_throttle.h"
#include "src/service/node_sessions.h"
#include "src/service/quarantine.h"
#include "src/service/registrar.h"
#include "src/service/watch_hub.h"

namespace manychip::internal {

struct ControllerOptions {
  absl::Duration heartbeat_interval = absl::Seconds(5);
  absl::Duration node_grace = absl::Seconds(40);
  absl::Duration cycle_interval = absl::Milliseconds(200);
  absl::Duration stop_grace = absl::Seconds(10);
  int32_t max_evictions_per_minute = 10;
  // A LaunchTask without a task event (or a heartbeat listing the task) for
  // this long is sent again, same task id and attempt; after
  // `launch_max_sends` sends the job is failed over.
  absl::Duration launch_ack_timeout = absl::Seconds(10);
  int32_t launch_max_sends = 3;
  // A node whose launch went unacknowledged `launch_max_sends` times takes
  // no new work for this long, unless it proves it receives launches first.
  absl::Duration launch_failure_hold = absl::Minutes(2);
  // WatchJobs streams one caller (a tenant, or the admin) may hold open.
  int32_t watch_max_per_caller = 256;
  // Vendors a loaded device adapter serves; nullopt = not checked (tests,
  // embedders without adapters). A node with devices of another vendor is
  // refused at Register (kRefuse) or admitted with a warning (kWarn).
  enum class MissingAdapter { kWarn, kRefuse };
  MissingAdapter missing_adapter = MissingAdapter::kWarn;
  std::optional<std::set<std::string>> adapter_vendors = std::nullopt;
};

class Controller {
 public:
  // `clock` and `executor` are not owned and must outlive the controller;
  // the scheduler core should read the same clock. `quarantine` (may be
  // null) is the state of the scheduler's QuarantineFilter: devices waiting
  // for an eviction slot and nodes that did not acknowledge launches go
  // there.
  Controller(ControllerOptions options, const Clock* clock, Executor* executor,
             std::shared_ptr<const Catalog> catalog, std::unique_ptr<Scheduler> scheduler,
             std::unique_ptr<StateStore> store, std::shared_ptr<Quarantine> quarantine = nullptr);

  // Rebuilds jobs, bindings and nodes from the store. Call before the
  // first post or tick.
  absl::Status Restore();

  // Runs `fn` on the owner thread (the executor). `what` names the post in logs.
  void Post(const char* what, std::function<void()> fn) { executor_->Post(what, std::move(fn)); }

  const Catalog& catalog() const { return *catalog_; }

  // ---- owner thread only ---------------------------------------------------
  // The timers: liveness, evictions, launch resends and holds, the
  // scheduling cycle, and a retry of a failed store write. The driver calls
  // it every `cycle_interval`.
  void Tick();
  // Ends every agent session (shutdown).
  void CloseSessions();

  // Accepts the job and calls `done` with its id once it is durable. Submits
  // that arrive together share one store transaction (group commit).
  using SubmitDone = std::function<void(absl::StatusOr<std::string>)>;
  void SubmitJob(const Caller& caller, JobSpec spec, SubmitDone done);
  // A job is named by its stored id or, for a tenant, by the id it chose
  // ("train-1" for "<tenant>.train-1"); one the caller may not see is NotFound.
  absl::StatusOr<v1::JobPhase> CancelJob(const Caller& caller, const std::string& id);
  absl::StatusOr<v1::JobStatus> GetJob(const Caller& caller, const std::string& id) const;
  std::vector<v1::JobStatus> ListJobs(const Caller& caller, v1::JobPhase phase,
                                      const std::string& tenant) const;
  absl::StatusOr<v1::ExplainResponse> Explain(const Caller& caller, const std::string& id) const;
  std::vector<v1::NodeStatus> ListNodes() const;
  // The core, read-only, for the status pages (pending reasons, queues).
  const Scheduler& scheduler() const { return *scheduler_; }
  // Drain = cordon, then evict the node's jobs (rate-limited, see
  // ProcessEvictions); uncordon = schedulable again, evictions stop.
  absl::StatusOr<v1::NodeStatus> SetSchedulable(const std::string& node, bool schedulable);
  // Sends the current state of every visible job, then every change.
  // A caller over `watch_max_per_caller` has `link` closed with
  // ResourceExhausted instead.
  void AddWatcher(const Caller& caller, const std::string& job_id, std::shared_ptr<WatchLink> link);
  // Forgets the watcher once its stream has ended.
  void RemoveWatcher(const WatchLink* link);
  size_t WatchersForTest() const { return watches_.size(); }

  // A page of the event log from the store, as `caller` may see it (see
  // event_view.h). InvalidArgument for a negative after_seq or a limit out
  // of [0, 10000]; a store error as it is.
  absl::StatusOr<v1::ListEventsResponse> ListEvents(const Caller& caller,
                                                    const v1::ListEventsRequest& req) const;
  // Streams the events after `after_seq` (see EventHub::Add) and every new
  // one. A caller over `watch_max_per_caller` event watchers, or a start
  // the hub refuses, has `link` closed with the error instead.
  void AddEventWatcher(const Caller& caller, const std::string& job_id, int64_t after_seq,
                       std::shared_ptr<EventLink> link);
  void RemoveEventWatcher(const EventLink* link);
  size_t EventWatchersForTest() const { return event_watches_.size(); }

  // Sets each tenant's quota in the core (replacing one set before) and
  // keeps the list for the quota gauges (manychipd --tenant_quotas).
  absl::Status SetTenantQuotas(std::vector<TenantQuotaSpec> quotas);
  const std::vector<TenantQuotaSpec>& tenant_quotas() const { return tenant_quotas_; }

  // `finished` are the outcomes the agent holds unacknowledged; they are
  // applied when the session attaches, before `running` is reconciled.
  absl::StatusOr<v1::RegisterResponse> RegisterNode(NodeSpec spec, v1::Node proto,
                                                    std::vector<v1::RunningTask> running,
                                                    std::vector<v1::TaskEvent> finished);
  absl::Status AttachSession(const std::string& node, int64_t session_id,
                             std::shared_ptr<SessionLink> link);
  void DetachSession(const std::string& node, int64_t session_id);
  void OnAgentMessage(const std::string& node, int64_t session_id, const v1::AgentMessage& msg);

 private:
  struct TaskEntry {
    TaskRef ref;
    v1::TaskStatus status;
    bool active() const {
      return status.phase() == v1::TASK_BOUND || status.phase() == v1::TASK_RUNNING;
    }
  };
  struct JobEntry {
    v1::JobStatus status;  // without tasks
    JobSpec spec;
    std::map<std::string, TaskEntry> tasks;  // by task id
    bool finished() const;
  };
  using NodeEntry = NodeSessions::Node;
  struct PendingIsolation {
    std::string node;
    int32_t device = 0;
    std::string reason;
  };

  void RunCycle();
  void CheckLiveness();
  // Spends eviction tokens: device isolations first (an idle device never
  // waits), then the jobs on drained nodes.
  void ProcessEvictions();
  void RetryLaunches();
  void HoldNodeAfterLaunchFailure(const std::string& node, absl::Time now);
  void ReleaseLaunchHold(const std::string& node, const char* why);
  void ExpireLaunchHolds(absl::Time now);
  // Requeues a running job in the core and stops its live tasks.
  bool EvictJob(const std::string& job_id, const std::string& reason);
  void TrackLaunch(const std::string& task_id);
  void AnnounceCapacity(const std::string& node);
  // Writes everything marked dirty; on success sends queued messages and
  // watch events. On failure keeps them for the next try.
  absl::Status Flush();
  // Flush for callers with nobody to return the error to: a failure is
  // logged (naming `when`) and the next Tick retries it.
  void FlushOrRetry(const char* when);
  // Schedules one Flush (and the acks of waiting submits) after the posts
  // already queued, so bursts share a transaction.
  void FlushSoon();
  void FlushAndAck();

  // What changed goes to the registrar; it leaves at the next Flush.
  void MarkJob(const std::string& id, std::string reason) {
    registrar_.MarkJob(id, std::move(reason));
  }
  void MarkTask(const std::string& task_id) { registrar_.MarkTask(task_id); }
  void MarkNode(const std::string& node) { registrar_.MarkNode(node); }
  void AddEvent(std::string kind, std::string subject, std::string detail,
                v1::EventRefs refs = {}) {
    registrar_.AddEvent(std::move(kind), std::move(subject), std::move(detail), std::move(refs));
  }
  // The refs of an event about `job_id` (its tenant and priority from the
  // job table), on `node` if given; of an event about a node only.
  v1::EventRefs JobRefs(const std::string& job_id, const std::string& node = "") const;
  static v1::EventRefs NodeRefs(const std::string& node);
  // "no adapter loaded for vendor X (N devices): ..." for each vendor of
  // `node`'s devices that no loaded adapter serves (see ControllerOptions).
  std::vector<std::string> MissingAdapterWarnings(const v1::Node& node) const;
  // job.preempted events for the core's preemption decisions.
  void RecordPreemptions(const std::vector<Preemption>& preemptions);
  void SendTo(const std::string& node, v1::ControllerMessage msg) {
    registrar_.Send(node, std::move(msg));
  }
  // The job, task and node tables as the registrar reads them.
  class StoreRecords;

  void ApplyBinding(const Binding& b);
  // The binding a restored task was placed with, for the core's Restore* calls.
  Binding BindingOf(const JobEntry& job, const TaskEntry& t) const;
  void StopTask(const TaskRef& ref, v1::TaskPhase phase, const std::string& reason);
  void OnTaskEvent(const std::string& node, const v1::TaskEvent& ev);
  // Queues a TaskEventAck for the outcomes among `events`; like every send
  // it leaves only after the store write holding what they changed.
  void AckOutcomes(const std::string& node, const std::vector<v1::TaskEvent>& events);
  void OnDeviceHealth(const std::string& node, const v1::DeviceHealthUpdate& u);
  void Reconcile(const std::string& node, const std::vector<v1::RunningTask>& running, bool full);
  // TASK_LOST with `why`; the caller fails the job over.
  void MarkTaskLost(const std::string& job_id, const std::string& task_id, TaskEntry& t,
                    const std::string& why);
  void SyncJobPhase(const std::string& id);
  v1::LaunchTask MakeLaunch(const JobEntry& job, const TaskEntry& task) const;
  v1::JobStatus WithTasks(const JobEntry& job) const;
  v1::NodeStatus NodeStatusOf(const std::string& name, const NodeEntry& n) const;
  bool Visible(const Caller& caller, const JobEntry& job) const;
  // The stored id of the job `asked` names for `caller`, or NotFound.
  absl::StatusOr<std::string> VisibleJobId(const Caller& caller, const std::string& asked) const;
  std::string TaskId(const JobEntry& job, const TaskRef& ref) const;
  TaskEntry* FindTask(const std::string& task_id);
  int64_t NowMs() const;

  const ControllerOptions options_;
  std::shared_ptr<const Catalog> catalog_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<StateStore> store_;
  std::shared_ptr<Quarantine> quarantine_;
  const Clock& clock_;
  Executor* executor_;
  LogThrottle store_errors_{absl::Seconds(10)};  // "state store write failed" lines

  // Controller-thread state.
  std::map<std::string, JobEntry> jobs_;
  NodeSessions nodes_;
  JobIdSequence job_ids_;
  bool cycle_requested_ = false;
  absl::Time last_cycle_ = absl::InfinitePast();
  absl::Time last_pending_sync_ = absl::InfinitePast();

  Registrar registrar_;
  std::vector<std::pair<std::string, SubmitDone>> submit_waiters_;
  bool flush_posted_ = false;

  std::deque<PendingIsolation> isolations_;
  EvictionBudget evictions_;
  bool rate_limit_logged_ = false;
  LaunchTracker launches_;
  WatchHub watches_;
  EventHub event_watches_;
  std::vector<TenantQuotaSpec> tenant_quotas_;
};

}  // namespace manychip::internal
