#pragma once

// Controller: the daemon's scheduling brain on its one "scheduler" thread.
// It owns the Scheduler core, the StateStore, node sessions and the task
// table, and turns core decisions into LaunchTask/StopTask messages.
//
// Threading: every method below `Post` must run on the controller thread;
// gRPC handlers reach it only through `Post` (STYLE.md §7). The links it
// holds (SessionLink, WatchLink) are thread-safe outboxes.
//
// Durability: each operation mutates in memory, marks what changed, then
// `Flush`es one StoreWrite. Launches, acknowledgements of task outcomes and
// watch notifications are sent only after the write holding them succeeded,
// so a restart never forgets a task it launched, never launches one twice,
// and never has an agent drop an outcome the store has not recorded.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "manychip/adapters/adapter_registry.h"
#include "manychip/clock.h"
#include "manychip/core/catalog.h"
#include "manychip/core/scheduler.h"
#include "manychip/store/state_store.h"
#include "manychip/v1/agent.pb.h"
#include "manychip/v1/scheduler.pb.h"
#include "src/service/quarantine.h"

namespace manychip::internal {

// Who is calling, resolved from the request's bearer token.
struct Caller {
  bool admin = false;
  std::string tenant;  // set for tenant callers
};

// A live agent session's outbox. Thread-safe.
class SessionLink {
 public:
  virtual ~SessionLink() = default;
  virtual void Send(const v1::ControllerMessage& msg) = 0;
  virtual void Close(const absl::Status& status) = 0;  // idempotent
};

// A WatchJobs stream's outbox. Thread-safe. Send returns false once the
// stream is gone (the controller then forgets it); Close ends the stream.
// SendSnapshot sends the state at open, which the slow-client bound for
// changes does not count.
class WatchLink {
 public:
  virtual ~WatchLink() = default;
  virtual bool Send(const v1::JobEvent& event) = 0;
  virtual bool SendSnapshot(const v1::JobEvent& event) = 0;
  virtual void Close(const absl::Status& status) = 0;
};

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
};

class Controller {
 public:
  // `quarantine` (may be null) is the state of the scheduler's
  // QuarantineFilter: devices waiting for an eviction slot and nodes that
  // did not acknowledge launches go there.
  Controller(ControllerOptions options, std::shared_ptr<const Catalog> catalog,
             std::unique_ptr<Scheduler> scheduler, std::unique_ptr<StateStore> store,
             std::shared_ptr<Quarantine> quarantine = nullptr);
  ~Controller();

  // Rebuilds jobs, bindings and nodes from the store. Call before Start.
  absl::Status Restore();
  // Starts the controller thread and its timers.
  void Start();
  // Stops timers and joins the thread; pending posts are dropped.
  void Stop();

  // Runs `fn` on the controller thread. `what` names the post in logs.
  void Post(const char* what, std::function<void()> fn);

  const Catalog& catalog() const { return *catalog_; }

  // ---- controller thread only --------------------------------------------
  // Accepts the job and calls `done` with its id once it is durable. Submits
  // that arrive together share one store transaction (group commit).
  using SubmitDone = std::function<void(absl::StatusOr<std::string>)>;
  void SubmitJob(const Caller& caller, JobSpec spec, SubmitDone done);
  absl::StatusOr<v1::JobPhase> CancelJob(const Caller& caller, const std::string& id);
  absl::StatusOr<v1::JobStatus> GetJob(const Caller& caller, const std::string& id) const;
  std::vector<v1::JobStatus> ListJobs(const Caller& caller, v1::JobPhase phase,
                                      const std::string& tenant) const;
  absl::StatusOr<v1::ExplainResponse> Explain(const Caller& caller, const std::string& id) const;
  std::vector<v1::NodeStatus> ListNodes() const;
  // Drain = cordon, then evict the node's jobs (rate-limited, see
  // ProcessEvictions); uncordon = schedulable again, evictions stop.
  absl::StatusOr<v1::NodeStatus> SetSchedulable(const std::string& node, bool schedulable);
  // Sends the current state of every visible job, then every change.
  // A caller over `watch_max_per_caller` has `link` closed with
  // ResourceExhausted instead.
  void AddWatcher(const Caller& caller, const std::string& job_id, std::shared_ptr<WatchLink> link);
  // Forgets the watcher once its stream has ended.
  void RemoveWatcher(const WatchLink* link);
  size_t WatchersForTest() const { return watchers_.size(); }

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
  struct NodeEntry {
    v1::Node proto;  // inventory, device health kept current
    bool schedulable = true;
    bool ready = false;
    absl::Time last_heartbeat;
    int64_t session_id = 0;
    std::shared_ptr<SessionLink> link;
    std::vector<v1::RunningTask> reported_running;  // from Register, used at attach
    std::vector<v1::TaskEvent> reported_finished;   // from Register, applied at attach
    std::set<int32_t> isolated;                     // devices the scheduler sees unhealthy
    std::vector<std::string> drain_evicted;         // jobs evicted by the current drain
  };
  // A launch sent but not yet acknowledged by the agent.
  struct UnackedLaunch {
    absl::Time sent;
    int32_t sends = 0;
  };
  struct PendingIsolation {
    std::string node;
    int32_t device = 0;
    std::string reason;
  };

  void Tick();
  void ArmTimer();
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
  // Schedules one Flush (and the acks of waiting submits) after the posts
  // already queued, so bursts share a transaction.
  void FlushSoon();
  void FlushAndAck();

  void MarkJob(const std::string& id, std::string reason);
  void MarkTask(const std::string& task_id);
  void MarkNode(const std::string& node);
  void AddEvent(std::string kind, std::string subject, std::string detail);
  void SendTo(const std::string& node, v1::ControllerMessage msg);

  void ApplyBinding(const Binding& b);
  void StopTask(const TaskRef& ref, v1::TaskPhase phase, const std::string& reason);
  void OnTaskEvent(const std::string& node, const v1::TaskEvent& ev);
  // Queues a TaskEventAck for the outcomes among `events`; like every send
  // it leaves only after the store write holding what they changed.
  void AckOutcomes(const std::string& node, const std::vector<v1::TaskEvent>& events);
  void OnDeviceHealth(const std::string& node, const v1::DeviceHealthUpdate& u);
  void Reconcile(const std::string& node, const std::vector<v1::RunningTask>& running, bool full);
  void SyncJobPhase(const std::string& id);
  v1::LaunchTask MakeLaunch(const JobEntry& job, const TaskEntry& task) const;
  v1::JobStatus WithTasks(const JobEntry& job) const;
  v1::NodeStatus NodeStatusOf(const std::string& name, const NodeEntry& n) const;
  bool Visible(const Caller& caller, const JobEntry& job) const;
  std::string TaskId(const JobEntry& job, const TaskRef& ref) const;
  TaskEntry* FindTask(const std::string& task_id);
  int64_t NowMs() const;

  const ControllerOptions options_;
  std::shared_ptr<const Catalog> catalog_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<StateStore> store_;
  std::shared_ptr<Quarantine> quarantine_;
  RealClock clock_;

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::steady_timer timer_;
  std::thread thread_;
  bool stopped_ = false;

  // Controller-thread state.
  std::map<std::string, JobEntry> jobs_;
  std::map<std::string, NodeEntry> nodes_;
  int64_t next_job_seq_ = 1;
  int64_t next_session_id_ = 1;
  bool cycle_requested_ = false;
  absl::Time last_cycle_ = absl::InfinitePast();
  absl::Time last_pending_sync_ = absl::InfinitePast();

  std::set<std::string> dirty_jobs_;
  std::set<std::string> dirty_tasks_;
  std::set<std::string> dirty_nodes_;
  std::vector<EventRecord> pending_events_;
  std::vector<std::pair<std::string, v1::ControllerMessage>> pending_sends_;
  std::map<std::string, std::string> pending_notify_;  // job id -> reason
  std::vector<std::pair<std::string, SubmitDone>> submit_waiters_;
  bool flush_posted_ = false;

  std::deque<PendingIsolation> isolations_;
  int64_t eviction_tokens_milli_ = 0;  // 1000 = one eviction
  absl::Time last_refill_ = absl::InfinitePast();
  bool rate_limit_logged_ = false;
  std::map<std::string, UnackedLaunch> unacked_;  // by task id

  struct Watcher {
    Caller caller;
    std::string job_id;
    std::shared_ptr<WatchLink> link;
  };
  std::vector<Watcher> watchers_;
};

}  // namespace manychip::internal
