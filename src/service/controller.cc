#include "src/service/controller.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/message_differencer.h"
#include "manychip/codec/model.h"
#include "manychip/elide_input.h"
#include "manychip/status.h"
#include "spdlog/spdlog.h"
#include "src/service/event_view.h"
#include "src/service/task_outcome.h"

namespace manychip::internal {
namespace {

v1::JobPhase PhaseOf(JobState s) {
  switch (s) {
    case JobState::kPending:
      return v1::PENDING;
    case JobState::kRunning:
      return v1::RUNNING;
    case JobState::kSucceeded:
      return v1::SUCCEEDED;
    case JobState::kFailed:
      return v1::FAILED;
    case JobState::kCancelled:
      return v1::CANCELLED;
  }
  return v1::JOB_PHASE_UNSPECIFIED;
}

bool IsFinal(v1::JobPhase p) { return p == v1::SUCCEEDED || p == v1::FAILED || p == v1::CANCELLED; }

// Inventory equality ignoring what changes at run time (health, cordon).
bool SameInventory(v1::Node a, v1::Node b) {
  for (v1::Node* n : {&a, &b}) {
    n->set_unschedulable(false);
    for (v1::Device& d : *n->mutable_devices()) {
      d.clear_health();
      d.clear_health_reason();
    }
  }
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace

bool Controller::JobEntry::finished() const { return IsFinal(status.phase()); }

Controller::Controller(ControllerOptions options, const Clock* clock, Executor* executor,
                       std::shared_ptr<const Catalog> catalog, std::unique_ptr<Scheduler> scheduler,
                       std::unique_ptr<StateStore> store, std::shared_ptr<Quarantine> quarantine)
    : options_(options),
      catalog_(std::move(catalog)),
      scheduler_(std::move(scheduler)),
      store_(std::move(store)),
      quarantine_(std::move(quarantine)),
      clock_(*clock),
      executor_(executor),
      nodes_(options_.node_grace),
      registrar_(store_.get(), clock),
      evictions_(options_.max_evictions_per_minute, clock_.Now()),
      launches_({.ack_timeout = options_.launch_ack_timeout,
                 .max_sends = options_.launch_max_sends,
                 .failure_hold = options_.launch_failure_hold},
                quarantine_.get()) {}

void Controller::CloseSessions() {
  nodes_.CloseAll(absl::UnavailableError("manychipd is shutting down"));
}

int64_t Controller::NowMs() const { return absl::ToUnixMillis(clock_.Now()); }

// ---------------------------------------------------------------- restore --

absl::Status Controller::Restore() {
  MC_ASSIGN_OR_RETURN(StoreSnapshot snap, store_->Load());
  registrar_.set_last_event_seq(snap.last_event_seq);
  event_watches_.set_last_seq(snap.last_event_seq);
  const absl::Time now = clock_.Now();
  for (const NodeRecord& rec : snap.nodes) {
    auto spec = codec::NodeFromProto(rec.node, *catalog_);
    if (!spec.ok()) {
      spdlog::error("restore: dropping stored node {}: {}", rec.node.name(),
                    spec.status().ToString());
      continue;
    }
    // A node gets one grace period from the restart to reconnect.
    NodeEntry& n = nodes_.Add(rec.node.name(), rec.node, now);
    n.schedulable = rec.schedulable;
    MC_RETURN_IF_ERROR(scheduler_->AddNode(*std::move(spec)));
    if (!n.schedulable) MC_RETURN_IF_ERROR(scheduler_->SetNodeSchedulable(rec.node.name(), false));
    for (const v1::Device& d : rec.node.devices()) {
      if (d.health() == v1::UNHEALTHY) {
        MC_RETURN_IF_ERROR(
            scheduler_->SetDeviceHealth(rec.node.name(), d.index(), false, d.health_reason()));
        n.isolated.insert(d.index());
      }
    }
  }
  std::map<std::string, std::vector<const BindingRecord*>> by_job;
  for (const BindingRecord& b : snap.bindings) by_job[b.job_id].push_back(&b);

  for (const v1::JobStatus& st : snap.jobs) {
    const std::string& id = st.job().id();
    job_ids_.Observe(id);
    auto spec = codec::JobFromProto(st.job(), *catalog_);
    if (!spec.ok()) {
      spdlog::error("restore: job {} no longer validates: {}", id, spec.status().ToString());
      continue;
    }
    JobEntry& job = jobs_[id];
    job.status = st;
    job.spec = *spec;
    for (const BindingRecord* b : by_job[id]) {
      TaskEntry t;
      t.status = b->task;
      // Task ids are "<job>/<group name>/<index>".
      for (size_t g = 0; g < job.spec.task_groups.size(); ++g) {
        if (b->task.group() == job.spec.task_groups[g].name) t.ref.group = static_cast<int32_t>(g);
      }
      t.ref.job_id = id;
      t.ref.task = b->task.index();
      job.tasks[b->task.task_id()] = std::move(t);
    }
    if (job.finished()) continue;
    MC_RETURN_IF_ERROR(scheduler_->Submit(job.spec));
    for (auto& [task_id, t] : job.tasks) {
      if (!t.active()) continue;
      const Binding b = BindingOf(job, t);
      if (absl::Status s = scheduler_->RestoreBinding(b); !s.ok()) {
        spdlog::error("restore: task {} on {} cannot be restored: {}", task_id, b.node,
                      s.ToString());
        t.status.set_phase(v1::TASK_LOST);
        t.status.set_message(absl::StrCat("lost at restart: ", s.message()));
        MarkTask(task_id);
        MarkJob(id, "task lost at restart");
      }
    }
    // A gang's task that exited 0 while its siblings still run: unless the
    // core hears of the exit it takes the task for a replica never placed
    // and runs it again under a new attempt. A gang with nothing left
    // running (none restored) is pending in the core and restarts whole,
    // as after a failover.
    const bool running = [&] {
      auto view = scheduler_->GetJob(id);
      return view.ok() && view->state == JobState::kRunning;
    }();
    for (auto& [task_id, t] : job.tasks) {
      if (!running || t.status.phase() != v1::TASK_EXITED) continue;
      if (absl::Status s = scheduler_->RestoreTaskExit(BindingOf(job, t)); !s.ok()) {
        spdlog::error("restore: the exit of task {} cannot be restored; it runs again: {}", task_id,
                      s.ToString());
      }
    }
    SyncJobPhase(id);
  }
  spdlog::info("restored {} jobs, {} bindings, {} nodes (event seq {})", jobs_.size(),
               snap.bindings.size(), nodes_.all().size(), snap.last_event_seq);
  cycle_requested_ = true;
  return absl::OkStatus();
}

// The binding a stored task was placed with, as the core takes it back.
Binding Controller::BindingOf(const JobEntry& job, const TaskEntry& t) const {
  Binding b;
  b.task = t.ref;
  b.node = t.status.node();
  b.flavor_name = t.status.flavor();
  const TaskGroupSpec& group = job.spec.task_groups[t.ref.group];
  for (size_t f = 0; f < group.flavors.size(); ++f) {
    if (group.flavors[f].name == b.flavor_name) b.flavor = static_cast<int32_t>(f);
  }
  const DemandSpec& demand = group.flavors[b.flavor].demand;
  b.share = demand.is_fractional() ? demand.devices : MilliDevices::FromRaw(kMilliPerDevice);
  b.devices.assign(t.status.devices().begin(), t.status.devices().end());
  b.attempt = t.status.attempt();
  for (const auto& [k, v] : t.status.env()) b.visibility.env[k] = v;
  return b;
}

// ------------------------------------------------------------ persistence --

class Controller::StoreRecords final : public Registrar::Source {
 public:
  explicit StoreRecords(Controller& c) : c_(c) {}
  std::optional<v1::JobStatus> JobRecord(const std::string& id) const override {
    auto it = c_.jobs_.find(id);
    if (it == c_.jobs_.end()) return std::nullopt;
    return it->second.status;
  }
  std::optional<BindingRecord> BindingRecordOf(const std::string& task_id) const override {
    const TaskEntry* t = c_.FindTask(task_id);
    if (t == nullptr) return std::nullopt;
    return BindingRecord{.job_id = t->ref.job_id, .task = t->status};
  }
  std::optional<NodeRecord> NodeRecordOf(const std::string& name) const override {
    const NodeEntry* n = c_.nodes_.Find(name);
    if (n == nullptr) return std::nullopt;
    return NodeRecord{.node = n->proto, .schedulable = n->schedulable};
  }

 private:
  Controller& c_;
};

Controller::TaskEntry* Controller::FindTask(const std::string& task_id) {
  const std::string job_id = task_id.substr(0, task_id.find('/'));
  auto j = jobs_.find(job_id);
  if (j == jobs_.end()) return nullptr;
  auto t = j->second.tasks.find(task_id);
  return t == j->second.tasks.end() ? nullptr : &t->second;
}

void Controller::FlushOrRetry(const char* when) {
  absl::Status s = Flush();
  if (s.ok()) return;
  // A disk fault fails every tick: log the first failure, then at most once
  // per interval with the count, and the recovery once.
  if (int64_t n = store_errors_.Failed(clock_.Now()); n > 0) {
    spdlog::error(
        "{}: state store write failed ({} time(s) since the last line); kept, the "
        "next tick retries it: {}",
        when, n, s.ToString());
  }
}

absl::Status Controller::Flush() {
  absl::StatusOr<Registrar::Released> flushed = registrar_.Flush(StoreRecords(*this));
  if (!flushed.ok()) return flushed.status();
  if (int64_t n = store_errors_.Succeeded(); n > 0) {
    spdlog::info("state store write succeeded after {} failure(s)", n);
  }
  Registrar::Released out = *std::move(flushed);
  for (const auto& [node, msg] : out.sends) {
    // A node without a session gets its launches when it reconnects (Reconcile).
    nodes_.Deliver(node, msg);
  }
  for (const EventRecord& e : out.events) event_watches_.Append(EventToProto(e));
  if (watches_.empty()) return absl::OkStatus();
  for (const auto& [id, reason] : out.notify) {
    auto it = jobs_.find(id);
    if (it == jobs_.end()) continue;
    v1::JobEvent ev;
    *ev.mutable_status() = WithTasks(it->second);
    ev.set_reason(reason);
    watches_.Publish(ev);
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------------- jobs --

bool Controller::Visible(const Caller& caller, const JobEntry& job) const {
  return caller.Sees(job.status.job().tenant());
}

absl::StatusOr<std::string> Controller::VisibleJobId(const Caller& caller,
                                                     const std::string& asked) const {
  if (auto it = jobs_.find(asked); it != jobs_.end() && Visible(caller, it->second)) return asked;
  // A tenant may name its own jobs as it submitted them: "train-1" for the
  // stored "<tenant>.train-1" (server.cc, TenantJobId).
  if (!caller.admin && !caller.tenant.empty()) {
    const std::string own = absl::StrCat(caller.tenant, ".", asked);
    if (auto it = jobs_.find(own); it != jobs_.end() && Visible(caller, it->second)) return own;
  }
  return absl::NotFoundError(absl::StrCat("job ", ElideInput(asked), " not found"));
}

std::string Controller::TaskId(const JobEntry& job, const TaskRef& ref) const {
  return absl::StrCat(ref.job_id, "/", job.spec.task_groups[ref.group].name, "/", ref.task);
}

void Controller::SubmitJob(const Caller& caller, JobSpec spec, SubmitDone done) {
  if (!caller.admin && spec.tenant != caller.tenant) {
    return done(
        absl::PermissionDeniedError(absl::StrCat("job.tenant: the caller's token is for tenant \"",
                                                 caller.tenant, "\", not \"", spec.tenant, "\"")));
  }
  if (spec.id.empty()) {
    spec.id = job_ids_.Next(caller.admin ? std::string() : caller.tenant,
                            [this](const std::string& id) { return jobs_.contains(id); });
  } else if (jobs_.contains(spec.id)) {
    return done(absl::AlreadyExistsError(
        absl::StrCat("job.id: job ", ElideInput(spec.id), " already exists")));
  }
  const std::string id = spec.id;
  JobEntry job;
  *job.status.mutable_job() = codec::JobToProto(spec, *catalog_);
  job.status.set_phase(v1::PENDING);
  job.status.set_submit_time_unix_ms(NowMs());
  job.spec = std::move(spec);
  const std::string tenant = job.status.job().tenant();
  jobs_[id] = std::move(job);
  AddEvent("job.submitted", id, tenant, JobRefs(id));
  MarkJob(id, "submitted");
  submit_waiters_.emplace_back(id, std::move(done));
  FlushSoon();
}

void Controller::FlushSoon() {
  if (flush_posted_) return;
  flush_posted_ = true;
  Post("store.flush", [this] {
    flush_posted_ = false;
    FlushAndAck();
  });
}

void Controller::FlushAndAck() {
  const absl::Status s = Flush();
  if (!s.ok()) {
    spdlog::error(
        "state store write failed; {} submits refused, the rest kept for the next tick: {}",
        submit_waiters_.size(), s.ToString());
  }
  auto waiters = std::move(submit_waiters_);
  submit_waiters_.clear();
  for (auto& [id, done] : waiters) {
    if (!s.ok()) {
      // Durable before acknowledged: a job whose write failed never existed.
      jobs_.erase(id);
      registrar_.ForgetJob(id);
      done(absl::UnavailableError(absl::StrCat("job not accepted: ", s.message())));
      continue;
    }
    if (absl::Status sub = scheduler_->Submit(jobs_[id].spec); !sub.ok()) {
      JobEntry& j = jobs_[id];
      j.status.set_phase(v1::FAILED);
      j.status.set_message(absl::StrCat("rejected by the scheduler: ", sub.message()));
      j.status.set_finish_time_unix_ms(NowMs());
      MarkJob(id, "rejected");
      done(sub);
      continue;
    }
    cycle_requested_ = true;
    done(id);
  }
  // A failed write is retried by the next tick, not in a tight loop.
  if (s.ok() && registrar_.jobs_pending()) FlushSoon();
}

absl::StatusOr<v1::JobPhase> Controller::CancelJob(const Caller& caller, const std::string& asked) {
  MC_ASSIGN_OR_RETURN(const std::string id, VisibleJobId(caller, asked));
  auto it = jobs_.find(id);
  JobEntry& job = it->second;
  if (job.finished()) return job.status.phase();
  MC_RETURN_IF_ERROR(scheduler_->Cancel(id));
  for (auto& [tid, t] : job.tasks) {
    if (t.active()) StopTask(t.ref, v1::TASK_STOPPED, "job cancelled");
  }
  AddEvent("job.cancelled", id, "", JobRefs(id));
  SyncJobPhase(id);
  if (!job.finished()) {
    // The core had not finished it; the cancel is still final for us.
    job.status.set_phase(v1::CANCELLED);
    job.status.set_finish_time_unix_ms(NowMs());
    MarkJob(id, "cancelled");
  }
  MC_RETURN_IF_ERROR(Flush());
  return job.status.phase();
}

v1::JobStatus Controller::WithTasks(const JobEntry& job) const {
  v1::JobStatus out = job.status;
  for (const auto& [tid, t] : job.tasks) *out.add_tasks() = t.status;
  return out;
}

absl::StatusOr<v1::JobStatus> Controller::GetJob(const Caller& caller,
                                                 const std::string& asked) const {
  MC_ASSIGN_OR_RETURN(const std::string id, VisibleJobId(caller, asked));
  auto it = jobs_.find(id);
  return WithTasks(it->second);
}

std::vector<v1::JobStatus> Controller::ListJobs(const Caller& caller, v1::JobPhase phase,
                                                const std::string& tenant) const {
  std::vector<v1::JobStatus> out;
  for (const auto& [id, job] : jobs_) {
    if (!Visible(caller, job)) continue;
    if (!tenant.empty() && job.status.job().tenant() != tenant) continue;
    if (phase != v1::JOB_PHASE_UNSPECIFIED && job.status.phase() != phase) continue;
    out.push_back(WithTasks(job));
  }
  return out;
}

absl::StatusOr<v1::ExplainResponse> Controller::Explain(const Caller& caller,
                                                        const std::string& asked) const {
  MC_ASSIGN_OR_RETURN(const std::string id, VisibleJobId(caller, asked));
  auto it = jobs_.find(id);
  const JobEntry& job = it->second;
  v1::ExplainResponse out;
  out.set_job_id(id);
  for (const auto& [tid, t] : job.tasks) {
    if (t.status.node().empty()) continue;
    out.add_lines(absl::StrCat(tid, " -> ", t.status.node(), " devices [",
                               absl::StrJoin(t.status.devices(), ","), "] flavor ",
                               t.status.flavor(), " (", v1::TaskPhase_Name(t.status.phase()), ")"));
  }
  if (job.finished()) {
    out.set_text(absl::StrCat(v1::JobPhase_Name(job.status.phase()), ": ", job.status.message()));
    return out;
  }
  MC_ASSIGN_OR_RETURN(Explanation e, scheduler_->Explain(id));
  out.set_text(e.summary);
  for (const FlavorExplanation& f : e.flavors) {
    out.add_lines(absl::StrCat("group ", f.group_name, " flavor ", f.flavor_name, ": ",
                               FormatReasonCounts(f), f.detail.empty() ? "" : " - ", f.detail));
  }
  return out;
}

void Controller::SyncJobPhase(const std::string& id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  JobEntry& job = it->second;
  if (job.finished()) return;
  auto view = scheduler_->GetJob(id);
  if (!view.ok()) return;
  const v1::JobPhase phase = PhaseOf(view->state);
  std::string message = view->last_reject;
  if (phase != job.status.phase() || message != job.status.message()) {
    const v1::JobPhase before = job.status.phase();
    job.status.set_phase(phase);
    job.status.set_message(message);
    if (IsFinal(phase)) job.status.set_finish_time_unix_ms(NowMs());
    MarkJob(id, absl::StrCat(v1::JobPhase_Name(before), " -> ", v1::JobPhase_Name(phase)));
    if (phase != before) AddEvent("job.phase", id, v1::JobPhase_Name(phase), JobRefs(id));
  }
  if (job.finished()) {
    for (auto& [tid, t] : job.tasks) {
      if (t.active()) StopTask(t.ref, v1::TASK_STOPPED, "job finished");
    }
  }
}

// ----------------------------------------------------------------- cycles --

void Controller::Tick() {
  const absl::Time now = clock_.Now();
  CheckLiveness();
  ProcessEvictions();
  RetryLaunches();
  ExpireLaunchHolds(now);
  if (cycle_requested_ || now - last_cycle_ > absl::Seconds(1)) RunCycle();
  if (registrar_.pending()) FlushOrRetry("tick");
}

void Controller::RunCycle() {
  cycle_requested_ = false;
  last_cycle_ = clock_.Now();
  CycleResult r = scheduler_->RunCycle();
  RecordPreemptions(r.preemptions);
  std::set<std::string> touched;
  for (const TaskRef& ref : r.to_stop) {
    auto j = jobs_.find(ref.job_id);
    if (j == jobs_.end()) continue;
    TaskEntry* t = FindTask(TaskId(j->second, ref));
    if (t != nullptr && t->active()) {
      const NodeEntry* n = nodes_.Find(t->status.node());
      const bool lost = n == nullptr || !n->ready;
      StopTask(ref, lost ? v1::TASK_LOST : v1::TASK_STOPPED,
               lost ? "node not ready" : "stopped by the scheduler");
    }
    touched.insert(ref.job_id);
  }
  for (const Binding& b : r.placed) {
    ApplyBinding(b);
    touched.insert(b.task.job_id);
  }
  for (const std::string& id : touched) SyncJobPhase(id);
  // Pending jobs' reasons change without placements; refreshing them is
  // O(jobs), so at most once a second.
  if (last_cycle_ - last_pending_sync_ >= absl::Seconds(1)) {
    last_pending_sync_ = last_cycle_;
    for (auto& [id, job] : jobs_) {
      if (job.status.phase() == v1::PENDING) SyncJobPhase(id);
    }
  }
  if (!r.placed.empty() || !r.to_stop.empty()) FlushOrRetry("scheduling cycle");
}

void Controller::ApplyBinding(const Binding& b) {
  auto j = jobs_.find(b.task.job_id);
  if (j == jobs_.end()) {
    spdlog::error("scheduler placed unknown job {}", b.task.job_id);
    return;
  }
  JobEntry& job = j->second;
  const std::string tid = TaskId(job, b.task);
  TaskEntry& t = job.tasks[tid];
  const int32_t attempt = t.status.attempt() + 1;
  t.ref = b.task;
  t.status.Clear();
  t.status.set_task_id(tid);
  t.status.set_group(job.spec.task_groups[b.task.group].name);
  t.status.set_index(b.task.task);
  t.status.set_phase(v1::TASK_BOUND);
  t.status.set_node(b.node);
  for (int32_t d : b.devices) t.status.add_devices(d);
  for (const auto& [k, v] : b.visibility.env) (*t.status.mutable_env())[k] = v;
  t.status.set_attempt(attempt);
  t.status.set_flavor(b.flavor_name);
  MarkTask(tid);
  MarkJob(job.spec.id, absl::StrCat("task ", tid, " placed on ", b.node));
  AddEvent("task.bound", tid,
           absl::StrCat(b.node, " devices [", absl::StrJoin(b.devices, ","), "] attempt ", attempt),
           JobRefs(job.spec.id, b.node));
  v1::ControllerMessage msg;
  *msg.mutable_launch() = MakeLaunch(job, t);
  SendTo(b.node, std::move(msg));
  TrackLaunch(tid);
}

void Controller::TrackLaunch(const std::string& task_id) { launches_.Sent(task_id, clock_.Now()); }

v1::LaunchTask Controller::MakeLaunch(const JobEntry& job, const TaskEntry& t) const {
  const TaskGroupSpec& group = job.spec.task_groups[t.ref.group];
  v1::LaunchTask l;
  l.set_task_id(t.status.task_id());
  l.set_job_id(job.spec.id);
  l.set_attempt(t.status.attempt());
  l.set_command(group.command);
  for (const std::string& a : group.args) l.add_args(a);
  auto& env = *l.mutable_env();
  for (const auto& [k, v] : group.env) env[k] = v;
  // Device visibility wins over anything the job set.
  for (const auto& [k, v] : t.status.env()) env[k] = v;
  env["MANYCHIP_JOB_ID"] = job.spec.id;
  env["MANYCHIP_TASK_ID"] = t.status.task_id();
  env["MANYCHIP_TASK_GROUP"] = group.name;
  env["MANYCHIP_TASK_INDEX"] = absl::StrCat(t.ref.task);
  env["MANYCHIP_NODE"] = t.status.node();
  env["MANYCHIP_ATTEMPT"] = absl::StrCat(t.status.attempt());
  env["MANYCHIP_DEVICES"] = absl::StrJoin(t.status.devices(), ",");
  for (int32_t d : t.status.devices()) l.add_devices(d);
  return l;
}

void Controller::StopTask(const TaskRef& ref, v1::TaskPhase phase, const std::string& reason) {
  auto j = jobs_.find(ref.job_id);
  if (j == jobs_.end()) return;
  const std::string tid = TaskId(j->second, ref);
  TaskEntry* t = FindTask(tid);
  if (t == nullptr || !t->active()) return;
  const std::string node = t->status.node();
  launches_.Forget(tid);
  t->status.set_phase(phase);
  t->status.set_message(reason);
  MarkTask(tid);
  MarkJob(ref.job_id, absl::StrCat("task ", tid, " ", reason));
  AddEvent(phase == v1::TASK_LOST ? "task.lost" : "task.stopped", tid, reason,
           JobRefs(ref.job_id, node));
  v1::ControllerMessage msg;
  msg.mutable_stop()->set_task_id(tid);
  msg.mutable_stop()->set_grace_ms(absl::ToInt64Milliseconds(options_.stop_grace));
  msg.mutable_stop()->set_reason(reason);
  SendTo(node, std::move(msg));
}

// ------------------------------------------------------------------ nodes --

v1::NodeStatus Controller::NodeStatusOf(const std::string& name, const NodeEntry& n) const {
  v1::NodeStatus s;
  *s.mutable_node() = n.proto;
  s.mutable_node()->set_unschedulable(!n.schedulable);
  s.set_condition(n.ready ? v1::READY : v1::NOT_READY);
  s.set_schedulable(n.schedulable);
  s.set_last_heartbeat_unix_ms(absl::ToUnixMillis(n.last_heartbeat));
  s.set_total_milli_devices(int64_t{n.proto.devices_size()} * kMilliPerDevice);
  int64_t allocated = 0;
  for (const auto& [id, job] : jobs_) {
    for (const auto& [tid, t] : job.tasks) {
      if (!t.active() || t.status.node() != name) continue;
      s.add_tasks(tid);
      const DemandSpec& d = [&]() -> const DemandSpec& {
        const TaskGroupSpec& g = job.spec.task_groups[t.ref.group];
        for (const FlavorSpec& f : g.flavors) {
          if (f.name == t.status.flavor()) return f.demand;
        }
        return g.flavors[0].demand;
      }();
      allocated +=
          d.is_fractional() ? d.devices.raw() : int64_t{t.status.devices_size()} * kMilliPerDevice;
    }
  }
  s.set_allocated_milli_devices(allocated);
  s.set_draining(!n.schedulable && s.tasks_size() > 0);
  for (std::string& w : MissingAdapterWarnings(n.proto)) s.add_warnings(std::move(w));
  for (const std::string& id : n.drain_evicted) s.add_evicted_jobs(id);
  if (quarantine_ != nullptr) {
    if (const Quarantine::NodeHold* h = quarantine_->FindHold(name); h != nullptr) {
      s.set_held(absl::StrCat(h->reason, "; until ",
                              absl::FormatTime(absl::RFC3339_sec, h->until, absl::UTCTimeZone())));
    }
  }
  return s;
}

std::vector<v1::NodeStatus> Controller::ListNodes() const {
  std::vector<v1::NodeStatus> out;
  for (const auto& [name, n] : nodes_.all()) out.push_back(NodeStatusOf(name, n));
  return out;
}

absl::StatusOr<v1::NodeStatus> Controller::SetSchedulable(const std::string& node,
                                                          bool schedulable) {
  NodeEntry* found = nodes_.Find(node);
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat("node ", ElideInput(node), " not found"));
  }
  MC_RETURN_IF_ERROR(scheduler_->SetNodeSchedulable(node, schedulable));
  NodeEntry& n = *found;
  // A new drain (or an uncordon) starts a fresh list of what it evicted.
  if (schedulable || n.schedulable) n.drain_evicted.clear();
  n.schedulable = schedulable;
  MarkNode(node);
  AddEvent(schedulable ? "node.uncordoned" : "node.drained", node, "", NodeRefs(node));
  // The first evictions happen now (as tokens allow), the rest on later ticks.
  if (!schedulable) ProcessEvictions();
  MC_RETURN_IF_ERROR(Flush());
  cycle_requested_ = true;
  return NodeStatusOf(node, n);
}

absl::StatusOr<v1::RegisterResponse> Controller::RegisterNode(NodeSpec spec, v1::Node proto,
                                                              std::vector<v1::RunningTask> running,
                                                              std::vector<v1::TaskEvent> finished) {
  const std::string name = spec.name;
  const std::vector<std::string> missing = MissingAdapterWarnings(proto);
  if (!missing.empty() && options_.missing_adapter == ControllerOptions::MissingAdapter::kRefuse) {
    return absl::FailedPreconditionError(
        absl::StrCat("node ", name, ": ", absl::StrJoin(missing, "; "),
                     "; refused (manychipd --missing_adapter=refuse): load the vendor's adapter "
                     "with --adapter_dir, or start with --missing_adapter=warn"));
  }
  MC_RETURN_IF_ERROR(nodes_.CheckNoLiveSession(name));
  NodeEntry* known = nodes_.Find(name);
  if (known != nullptr && !SameInventory(known->proto, proto)) {
    // The hardware changed: the old view (and its bindings) is gone.
    spdlog::info("node {} re-registered with a different inventory", name);
    MC_RETURN_IF_ERROR(scheduler_->RemoveNode(name));
    nodes_.Remove(name);
    known = nullptr;
    cycle_requested_ = true;
  }
  const absl::Time now = clock_.Now();
  if (known == nullptr) {
    MC_RETURN_IF_ERROR(scheduler_->AddNode(spec));
    known = &nodes_.Add(name, proto, now);
    known->schedulable = !proto.unschedulable();
    for (const v1::Device& d : proto.devices()) {
      if (d.health() == v1::UNHEALTHY) {
        MC_RETURN_IF_ERROR(scheduler_->SetDeviceHealth(name, d.index(), false, d.health_reason()));
        known->isolated.insert(d.index());
      }
    }
  } else if (!known->ready) {
    MC_RETURN_IF_ERROR(scheduler_->SetNodeReady(name, true));
    known->ready = true;
  }
  NodeEntry& n = *known;
  nodes_.StartSession(n, now, std::move(running), std::move(finished));
  MarkNode(name);
  AddEvent("node.registered", name, absl::StrCat("session ", n.session_id), NodeRefs(name));
  for (const std::string& w : missing) {
    spdlog::warn("node {}: {} (admitted: manychipd --missing_adapter=warn)", name, w);
    AddEvent("node.missing_adapter", name, w, NodeRefs(name));
  }
  MC_RETURN_IF_ERROR(Flush());
  cycle_requested_ = true;
  v1::RegisterResponse resp;
  resp.set_session_id(n.session_id);
  resp.set_heartbeat_interval_ms(absl::ToInt64Milliseconds(options_.heartbeat_interval));
  return resp;
}

absl::Status Controller::AttachSession(const std::string& node, int64_t session_id,
                                       std::shared_ptr<SessionLink> link) {
  MC_ASSIGN_OR_RETURN(NodeEntry * attached,
                      nodes_.Attach(node, session_id, std::move(link), clock_.Now()));
  NodeEntry& n = *attached;
  ReleaseLaunchHold(node, "new session");
  if (!n.ready) {
    MC_RETURN_IF_ERROR(scheduler_->SetNodeReady(node, true));
    n.ready = true;
    cycle_requested_ = true;
  }
  // Outcomes first: a task that finished while this daemon could not hear
  // (it was down, or the exit went into a dying stream) is then no longer
  // active, so the reconcile does not take it for lost and run it again.
  const std::vector<v1::TaskEvent> finished = std::move(n.reported_finished);
  n.reported_finished.clear();
  for (const v1::TaskEvent& ev : finished) OnTaskEvent(node, ev);
  AckOutcomes(node, finished);
  Reconcile(node, n.reported_running, /*full=*/true);
  n.reported_running.clear();
  FlushOrRetry("session attach");
  return absl::OkStatus();
}

void Controller::DetachSession(const std::string& node, int64_t session_id) {
  if (!nodes_.Detach(node, session_id)) return;
  spdlog::info("node {} session {} ended; NotReady after {} without heartbeat", node, session_id,
               absl::FormatDuration(options_.node_grace));
}

// Brings the daemon's view of `node` and the agent's running tasks together.
// `full` (at session start) also resends launches the agent never confirmed
// and fails tasks the agent no longer has.
void Controller::Reconcile(const std::string& node, const std::vector<v1::RunningTask>& running,
                           bool full) {
  std::set<std::string> reported;
  for (const v1::RunningTask& r : running) {
    reported.insert(r.task_id());
    TaskEntry* t = FindTask(r.task_id());
    const bool ours = t != nullptr && t->active() && t->status.node() == node &&
                      t->status.attempt() == r.attempt();
    if (ours) {
      if (t->status.phase() == v1::TASK_BOUND) {
        t->status.set_phase(v1::TASK_RUNNING);
        MarkTask(r.task_id());
        MarkJob(t->ref.job_id, absl::StrCat("task ", r.task_id(), " running"));
      }
      launches_.Forget(r.task_id());
      continue;
    }
    // Not (or no longer) bound here: stop it so nothing runs twice.
    v1::ControllerMessage msg;
    msg.mutable_stop()->set_task_id(r.task_id());
    msg.mutable_stop()->set_grace_ms(absl::ToInt64Milliseconds(options_.stop_grace));
    msg.mutable_stop()->set_reason("not bound to this node");
    SendTo(node, std::move(msg));
    AddEvent("task.stale_stopped", r.task_id(), node, NodeRefs(node));
  }
  if (!full) return;
  std::set<std::string> lost_jobs;
  for (auto& [id, job] : jobs_) {
    for (auto& [tid, t] : job.tasks) {
      if (!t.active() || t.status.node() != node || reported.contains(tid)) continue;
      if (t.status.phase() == v1::TASK_BOUND) {
        // Never confirmed started: the agent dedupes by (task, attempt), so
        // resending is safe and a lost launch is not lost for good.
        v1::ControllerMessage msg;
        *msg.mutable_launch() = MakeLaunch(job, t);
        SendTo(node, std::move(msg));
        TrackLaunch(tid);  // a new session: its own sends
      } else {
        // Neither running nor reported finished (an agent from before
        // keepers, or a lost workdir). Like a node loss, not a task
        // failure: the job is failed over.
        MarkTaskLost(id, tid, t, "the agent no longer runs it");
        lost_jobs.insert(id);
      }
    }
  }
  for (const std::string& id : lost_jobs) {
    EvictJob(id, absl::StrCat("task lost: the agent on ", node, " no longer runs it"));
  }
}

void Controller::MarkTaskLost(const std::string& job_id, const std::string& task_id, TaskEntry& t,
                              const std::string& why) {
  t.status.set_phase(v1::TASK_LOST);
  t.status.set_message(why);
  launches_.Forget(task_id);
  MarkTask(task_id);
  MarkJob(job_id, absl::StrCat("task ", task_id, " lost"));
  AddEvent("task.lost", task_id, why, JobRefs(job_id, t.status.node()));
}

void Controller::CheckLiveness() {
  const absl::Time now = clock_.Now();
  for (const std::string& name : nodes_.ExpireSilent(now)) {
    spdlog::warn("node {} missed heartbeats for {}: NotReady, failing its tasks over", name,
                 absl::FormatDuration(now - nodes_.Find(name)->last_heartbeat));
    if (absl::Status s = scheduler_->SetNodeReady(name, false); !s.ok()) {
      spdlog::error("SetNodeReady({}, false): {}", name, s.ToString());
    }
    for (auto& [id, job] : jobs_) {
      for (auto& [tid, t] : job.tasks) {
        if (t.active() && t.status.node() == name) {
          StopTask(t.ref, v1::TASK_LOST, "node not ready");
        }
      }
    }
    AddEvent("node.not_ready", name, "", NodeRefs(name));
    cycle_requested_ = true;
  }
}

void Controller::OnAgentMessage(const std::string& node, int64_t session_id,
                                const v1::AgentMessage& msg) {
  if (nodes_.Heard(node, session_id, clock_.Now()) == nullptr) return;  // stale session
  switch (msg.msg_case()) {
    case v1::AgentMessage::kHeartbeat: {
      std::vector<v1::RunningTask> running(msg.heartbeat().running().begin(),
                                           msg.heartbeat().running().end());
      Reconcile(node, running, /*full=*/false);
      break;
    }
    case v1::AgentMessage::kTaskEvent:
      OnTaskEvent(node, msg.task_event());
      AckOutcomes(node, {msg.task_event()});
      break;
    case v1::AgentMessage::kDeviceHealth:
      OnDeviceHealth(node, msg.device_health());
      break;
    default:
      break;
  }
  if (registrar_.changes_pending()) FlushSoon();
}

void Controller::OnTaskEvent(const std::string& node, const v1::TaskEvent& ev) {
  TaskEntry* t = FindTask(ev.task_id());
  if (t == nullptr || t->status.node() != node || t->status.attempt() != ev.attempt()) {
    spdlog::info("ignoring event for stale task {} attempt {} from {}", ev.task_id(), ev.attempt(),
                 node);
    return;
  }
  const std::string job_id = t->ref.job_id;
  launches_.Forget(ev.task_id());  // any event for this attempt proves the launch arrived
  ReleaseLaunchHold(node, "a task event arrived");
  switch (ev.kind()) {
    case v1::STARTED:
      if (t->status.phase() == v1::TASK_BOUND) {
        t->status.set_phase(v1::TASK_RUNNING);
        MarkTask(ev.task_id());
        MarkJob(job_id, absl::StrCat("task ", ev.task_id(), " started"));
        AddEvent("task.started", ev.task_id(), absl::StrCat("pid ", ev.pid()),
                 JobRefs(job_id, node));
      }
      break;
    case v1::EXITED:
    case v1::FAILED_TO_START: {
      if (!t->active()) break;  // already stopped or lost; its exit changes nothing
      const bool ok = ev.kind() == v1::EXITED && ev.exit_code() == 0 && ev.signal() == 0;
      t->status.set_phase(v1::TASK_EXITED);
      t->status.set_exit_code(ev.exit_code());
      t->status.set_signal(ev.signal());
      t->status.set_message(ev.kind() == v1::FAILED_TO_START
                                ? absl::StrCat("failed to start: ", ev.message())
                                : ev.message());
      MarkTask(ev.task_id());
      const std::string what =
          ev.kind() == v1::FAILED_TO_START
              ? absl::StrCat("task ", ev.task_id(), " failed to start: ", ev.message())
              : absl::StrCat("task ", ev.task_id(), " exited ", ev.exit_code(),
                             ev.signal() != 0 ? absl::StrCat(" (signal ", ev.signal(), ")") : "");
      MarkJob(job_id, what);
      AddEvent("task.exited", ev.task_id(), what, JobRefs(job_id, node));
      if (absl::Status s = scheduler_->ReportTaskExit(t->ref, ok); !s.ok()) {
        spdlog::warn("ReportTaskExit({}): {}", ev.task_id(), s.ToString());
      }
      SyncJobPhase(job_id);
      cycle_requested_ = true;
      break;
    }
    case v1::LOST:
      // Died with its agent (task_keeper.h): failed over like a node loss,
      // under a new attempt, not counted as a failure of the task.
      if (!t->active()) break;
      MarkTaskLost(job_id, ev.task_id(), *t, absl::StrCat("lost: ", ev.message()));
      EvictJob(job_id, absl::StrCat("task ", ev.task_id(), " lost on ", node, ": ", ev.message()));
      break;
    default:
      break;
  }
}

// The agent keeps an outcome until acknowledged (agent.proto, "Failure
// handling"). OnTaskEvent has applied it, or found it stale (nothing to
// record); either way the ack is sent only after the next store write
// succeeded, so the agent never forgets an outcome the store has not got.
void Controller::AckOutcomes(const std::string& node, const std::vector<v1::TaskEvent>& events) {
  v1::ControllerMessage msg;
  for (const v1::TaskEvent& ev : events) {
    if (!IsTaskOutcome(ev)) continue;
    v1::TaskEventAck::Outcome* o = msg.mutable_ack()->add_outcomes();
    o->set_task_id(ev.task_id());
    o->set_attempt(ev.attempt());
  }
  if (msg.has_ack()) SendTo(node, std::move(msg));
}

// ----------------------------------------------------------- device health --

void Controller::OnDeviceHealth(const std::string& node, const v1::DeviceHealthUpdate& u) {
  NodeEntry* found = nodes_.Find(node);
  if (found == nullptr) return;
  NodeEntry& n = *found;
  v1::Device* dev = nullptr;
  for (v1::Device& d : *n.proto.mutable_devices()) {
    if (d.index() == u.device_index()) dev = &d;
  }
  if (dev == nullptr) {
    // A protocol violation like the others on the stream: the session ends
    // with a clear code instead of the update vanishing into a log line.
    spdlog::warn("node {} reported health for unknown device {}", node, u.device_index());
    if (n.link) {
      n.link->Close(absl::InvalidArgumentError(absl::StrCat(
          "device_health.device_index: node ", node, " has no device ", u.device_index())));
    }
    return;
  }
  const bool healthy = u.health() != v1::UNHEALTHY;
  dev->set_health(healthy ? v1::HEALTHY : v1::UNHEALTHY);
  dev->set_health_reason(u.reason());
  MarkNode(node);
  AddEvent(healthy ? "device.healthy" : "device.unhealthy",
           absl::StrCat(node, "/", u.device_index()), u.reason(), NodeRefs(node));
  if (healthy) {
    // A recovery cancels an isolation still waiting for its turn.
    std::erase_if(isolations_, [&](const PendingIsolation& p) {
      return p.node == node && p.device == u.device_index();
    });
    if (quarantine_ != nullptr && quarantine_->ContainsDevice(node, u.device_index())) {
      quarantine_->RemoveDevice(node, u.device_index());
      AnnounceCapacity(node);
    }
    if (n.isolated.erase(u.device_index()) > 0) {
      if (absl::Status s = scheduler_->SetDeviceHealth(node, u.device_index(), true, ""); !s.ok()) {
        spdlog::error("SetDeviceHealth: {}", s.ToString());
      }
      cycle_requested_ = true;
    }
    return;
  }
  if (n.isolated.contains(u.device_index())) return;
  for (const PendingIsolation& p : isolations_) {
    if (p.node == node && p.device == u.device_index()) return;
  }
  isolations_.push_back({node, u.device_index(), u.reason()});
  ProcessEvictions();
}

// Spends eviction tokens. Two things evict running work: a busy unhealthy
// device (one token per device; the core fails over every job on it) and
// a drained node (one token per job on it). Tokens refill at
// max_evictions_per_minute, so neither a flapping sensor nor a drain can
// empty the cluster at once. An idle device is isolated for free and never
// waits behind a busy one.
void Controller::ProcessEvictions() {
  evictions_.Refill(clock_.Now());
  bool limited = false;
  for (auto it = isolations_.begin(); it != isolations_.end();) {
    const PendingIsolation p = *it;
    bool busy = false;
    for (const auto& [id, job] : jobs_) {
      for (const auto& [tid, t] : job.tasks) {
        if (!t.active() || t.status.node() != p.node) continue;
        for (int32_t d : t.status.devices()) busy |= d == p.device;
      }
    }
    if (busy && !evictions_.TryTake()) {
      // Its tasks wait; the device itself takes no new work meanwhile.
      if (quarantine_ != nullptr && !quarantine_->ContainsDevice(p.node, p.device)) {
        quarantine_->AddDevice(p.node, p.device);
        AddEvent("device.quarantined", absl::StrCat(p.node, "/", p.device), p.reason,
                 NodeRefs(p.node));
        cycle_requested_ = true;
      }
      limited = true;
      ++it;
      continue;
    }
    it = isolations_.erase(it);
    if (quarantine_ != nullptr) quarantine_->RemoveDevice(p.node, p.device);
    if (absl::Status s = scheduler_->SetDeviceHealth(p.node, p.device, false, p.reason); !s.ok()) {
      spdlog::error("SetDeviceHealth({}/{}): {}", p.node, p.device, s.ToString());
      continue;
    }
    if (NodeEntry* n = nodes_.Find(p.node)) n->isolated.insert(p.device);
    AddEvent("device.isolated", absl::StrCat(p.node, "/", p.device), p.reason, NodeRefs(p.node));
    cycle_requested_ = true;
  }
  for (auto& [name, n] : nodes_.all()) {
    if (n.schedulable) continue;
    std::set<std::string> on_node;  // ordered: evictions go by job id
    for (const auto& [id, job] : jobs_) {
      for (const auto& [tid, t] : job.tasks) {
        if (t.active() && t.status.node() == name) on_node.insert(id);
      }
    }
    for (const std::string& id : on_node) {
      if (!evictions_.Available()) {
        limited = true;
        break;
      }
      if (!EvictJob(id, absl::StrCat("evicted: node ", name, " is draining"))) continue;
      evictions_.Take();
      n.drain_evicted.push_back(id);
      AddEvent("node.drain_evicted", name, id, JobRefs(id, name));
    }
  }
  if (limited && !rate_limit_logged_) {
    spdlog::warn("eviction rate limit reached ({} per minute); the rest wait their turn",
                 options_.max_evictions_per_minute);
  }
  rate_limit_logged_ = limited;
}

// The core retries backed-off jobs when it sees capacity come back; a
// device leaving the quarantine filter is capacity it cannot see, so it is
// told.
void Controller::AnnounceCapacity(const std::string& node) {
  const NodeEntry* n = nodes_.Find(node);
  if (n == nullptr || !n->schedulable) return;
  scheduler_->NotifyCapacityChanged();
  cycle_requested_ = true;
}

bool Controller::EvictJob(const std::string& job_id, const std::string& reason) {
  auto j = jobs_.find(job_id);
  if (j == jobs_.end()) return false;
  if (absl::Status s = scheduler_->Evict(job_id, reason); !s.ok()) {
    spdlog::warn("evict {}: {}", job_id, s.ToString());
    return false;
  }
  // Stopped here with the reason; the core's to_stop for them finds nothing left to do.
  for (auto& [tid, t] : j->second.tasks) {
    if (t.active()) StopTask(t.ref, v1::TASK_STOPPED, reason);
  }
  AddEvent("job.evicted", job_id, reason, JobRefs(job_id));
  SyncJobPhase(job_id);
  cycle_requested_ = true;
  return true;
}

// Resends launches the agent has not acknowledged. The agent ignores a
// duplicate of a task it runs and re-reports the exit of one it finished,
// so a resend never runs a task twice. After `launch_max_sends` the job is
// failed over like a node loss. A node without a session is left alone:
// its unconfirmed launches are resent when it reconnects (Reconcile).
void Controller::RetryLaunches() {
  if (launches_.empty()) return;
  const absl::Time now = clock_.Now();
  LaunchTracker::Overdue due = launches_.Poll(now, [&](const std::string& tid) {
    TaskEntry* t = FindTask(tid);
    if (t == nullptr || t->status.phase() != v1::TASK_BOUND) return LaunchTracker::TaskState::kGone;
    const NodeEntry* n = nodes_.Find(t->status.node());
    if (n == nullptr || !n->link) return LaunchTracker::TaskState::kUnsendable;
    return LaunchTracker::TaskState::kSendable;
  });
  for (const LaunchTracker::Resend& r : due.resend) {
    TaskEntry* t = FindTask(r.task_id);
    spdlog::warn("node {} did not acknowledge task {} attempt {}; sending it again ({}/{})",
                 t->status.node(), r.task_id, t->status.attempt(), r.send,
                 options_.launch_max_sends);
    AddEvent("task.launch_resent", r.task_id, absl::StrCat("send ", r.send),
             JobRefs(t->ref.job_id, t->status.node()));
    v1::ControllerMessage msg;
    *msg.mutable_launch() = MakeLaunch(jobs_.at(t->ref.job_id), *t);
    SendTo(t->status.node(), std::move(msg));
  }
  std::map<std::string, std::string> give_up;  // job id -> node
  for (const std::string& tid : due.give_up) {
    TaskEntry* t = FindTask(tid);
    spdlog::warn("node {} did not acknowledge task {} after {} sends; failing it over",
                 t->status.node(), tid, options_.launch_max_sends);
    give_up.emplace(t->ref.job_id, t->status.node());
  }
  for (const auto& [id, node] : give_up) {
    HoldNodeAfterLaunchFailure(node, now);
    if (!EvictJob(id, absl::StrCat("launch not acknowledged after ", options_.launch_max_sends,
                                   " sends; failed over"))) {
      launches_.ForgetJob(id);
    }
  }
}

// A node that swallowed a launch `launch_max_sends` times would swallow the
// failed-over job's next launch too (and anyone else's): it takes no new
// work until the hold ends or it shows that launches reach it.
void Controller::HoldNodeAfterLaunchFailure(const std::string& node, absl::Time now) {
  std::optional<std::string> reason = launches_.Hold(node, now);
  if (!reason.has_value()) return;
  spdlog::warn("node {} {}; it takes no new work for {}", node, *reason,
               absl::FormatDuration(options_.launch_failure_hold));
  AddEvent("node.held", node, *reason, NodeRefs(node));
  MarkNode(node);
}

void Controller::ReleaseLaunchHold(const std::string& node, const char* why) {
  if (!launches_.Release(node)) return;
  spdlog::info("node {} takes new work again: {}", node, why);
  AddEvent("node.released", node, why, NodeRefs(node));
  MarkNode(node);
  AnnounceCapacity(node);
}

void Controller::ExpireLaunchHolds(absl::Time now) {
  for (const std::string& node : launches_.ExpireHolds(now)) {
    spdlog::info("node {} takes new work again: its launch-failure hold ended", node);
    AddEvent("node.released", node, "hold ended", NodeRefs(node));
    MarkNode(node);
    AnnounceCapacity(node);
  }
}

// ---------------------------------------------------------------- watches --

void Controller::AddWatcher(const Caller& caller, const std::string& job_id,
                            std::shared_ptr<WatchLink> link) {
  const size_t open = watches_.CountFor(caller);
  if (open >= static_cast<size_t>(options_.watch_max_per_caller)) {
    link->Close(absl::ResourceExhaustedError(
        absl::StrCat("WatchJobs: this caller already has ", open,
                     " watch streams open, the most --watch_max_per_caller allows; "
                     "close one first")));
    return;
  }
  std::vector<v1::JobEvent> current;
  for (const auto& [id, job] : jobs_) {
    if (!job_id.empty() && id != job_id) continue;
    if (!Visible(caller, job)) continue;
    v1::JobEvent& ev = current.emplace_back();
    *ev.mutable_status() = WithTasks(job);
    ev.set_reason("current");
  }
  watches_.Add(caller, job_id, std::move(link), current);
}

void Controller::RemoveWatcher(const WatchLink* link) { watches_.Remove(link); }

}  // namespace manychip::internal
