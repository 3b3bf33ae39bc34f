#include "manychip/core/scheduler.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "manychip/adapters/adapter_registry.h"
#include "manychip/framework/registry.h"
#include "spdlog/spdlog.h"
#include "src/core/flavor_choice.h"
#include "src/core/framework_scheduler.h"
#include "src/core/job_validation.h"
#include "src/core/policy_state.h"
#include "src/core/quota.h"
#include "src/framework/device_choice.h"

namespace manychip {

absl::string_view JobStateName(JobState s) {
  switch (s) {
    case JobState::kPending:
      return "PENDING";
    case JobState::kRunning:
      return "RUNNING";
    case JobState::kSucceeded:
      return "SUCCEEDED";
    case JobState::kFailed:
      return "FAILED";
    case JobState::kCancelled:
      return "CANCELLED";
  }
  return "UNKNOWN";
}

namespace internal {

absl::Status FrameworkScheduler::Init() {
  handle_.catalog = options_.catalog.get();
  handle_.adapters = options_.adapters;
  handle_.cluster = &cluster_;
  handle_.clock = options_.clock;
  handle_.rng = &rng_;
  PluginRegistry registry = BuiltinPlugins();
  if (options_.extra_plugins != nullptr) {
    MC_RETURN_IF_ERROR(registry.Merge(*options_.extra_plugins));
  }
  MC_RETURN_IF_ERROR(runtime_.Build(options_.profile, registry, handle_));
  for (const std::unique_ptr<Plugin>& p : runtime_.plugins()) {
    if (auto* r = dynamic_cast<ReadsSchedulerState*>(p.get())) r->AttachState(jobs_, tenants_);
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- events --

absl::Status FrameworkScheduler::AddNode(NodeSpec node) {
  MC_ASSIGN_OR_RETURN(NodeIndex n, cluster_.AddNode(std::move(node)));
  AddCapacityOf(n, +1);
  ++event_generation_;
  return absl::OkStatus();
}

void FrameworkScheduler::FailOver(const std::vector<AllocationId>& ids) {
  std::set<std::string> jobs;  // ordered: deterministic
  for (AllocationId id : ids) {
    const Allocation* a = cluster_.FindAllocation(id);
    if (a != nullptr) jobs.insert(a->request.task.job_id);
  }
  for (const std::string& id : jobs) {
    JobRecord* j = jobs_.Find(id);
    if (j == nullptr) continue;
    // The gang restarts whole: every task stops, the job queues again.
    Release(*j, JobState::kPending, /*stop_tasks=*/true);
    j->last_reject = "requeued after node or device failure";
  }
}

absl::Status FrameworkScheduler::Evict(absl::string_view job_id, absl::string_view reason) {
  JobRecord* j = jobs_.Find(job_id);
  if (j == nullptr) return absl::NotFoundError(absl::StrCat("job '", job_id, "' not found"));
  if (j->state != JobState::kRunning) {
    return absl::FailedPreconditionError(
        absl::StrCat("job '", job_id, "' is ", JobStateName(j->state), ", not RUNNING"));
  }
  Release(*j, JobState::kPending, /*stop_tasks=*/true);
  j->last_reject = std::string(reason);
  return absl::OkStatus();
}

absl::Status FrameworkScheduler::RemoveNode(absl::string_view name) {
  MC_ASSIGN_OR_RETURN(NodeIndex n, cluster_.FindNode(name));
  FailOver(cluster_.AllocationsOnNode(n));
  AddCapacityOf(n, -1);
  return cluster_.RemoveNode(n);
}

absl::Status FrameworkScheduler::SetNodeReady(absl::string_view name, bool ready) {
  MC_ASSIGN_OR_RETURN(NodeIndex n, cluster_.FindNode(name));
  if (!ready) FailOver(cluster_.AllocationsOnNode(n));
  if (ready && !cluster_.runtime(n).ready) ++event_generation_;
  return cluster_.SetReady(n, ready);
}

absl::Status FrameworkScheduler::SetNodeSchedulable(absl::string_view name, bool schedulable) {
  MC_ASSIGN_OR_RETURN(NodeIndex n, cluster_.FindNode(name));
  if (schedulable && !cluster_.runtime(n).schedulable) ++event_generation_;
  return cluster_.SetSchedulable(n, schedulable);
}

absl::Status FrameworkScheduler::SetDeviceHealth(absl::string_view node, int32_t device,
                                                 bool healthy, absl::string_view reason) {
  MC_ASSIGN_OR_RETURN(NodeIndex n, cluster_.FindNode(node));
  if (device < 0 || device >= cluster_.runtime(n).device_count) {
    return absl::InvalidArgumentError(
        absl::StrCat("device: node '", node, "' has no device ", device));
  }
  bool was = cluster_.spec(n).devices[device].healthy;
  if (!healthy && was) FailOver(cluster_.AllocationsOnDevice(n, device));
  MC_RETURN_IF_ERROR(cluster_.SetDeviceHealth(n, device, healthy, reason));
  if (was != healthy) {
    tenants_.AddCapacity(0, 0, kMilliPerDevice, healthy ? +1 : -1);
    if (healthy) ++event_generation_;
  }
  return absl::OkStatus();
}

void FrameworkScheduler::AddCapacityOf(NodeIndex n, int sign) {
  const NodeSpec& s = cluster_.spec(n);
  int64_t devices = 0;
  for (const DeviceSpec& d : s.devices) devices += d.healthy ? kMilliPerDevice : 0;
  tenants_.AddCapacity(s.cpu.raw(), s.memory.raw(), devices, sign);
}

absl::Status FrameworkScheduler::SetTenantQuota(TenantQuotaSpec quota) {
  MC_RETURN_IF_ERROR(tenants_.SetQuota(std::move(quota), *options_.catalog));
  ++event_generation_;
  return absl::OkStatus();
}

absl::Status FrameworkScheduler::Submit(JobSpec job) {
  MC_RETURN_IF_ERROR(ValidateJob(*options_.catalog, job));
  return jobs_.Add(std::move(job), options_.clock->Now()).status();
}

absl::Status FrameworkScheduler::Cancel(absl::string_view job_id) {
  JobRecord* j = jobs_.Find(job_id);
  if (j == nullptr) return absl::NotFoundError(absl::StrCat("job '", job_id, "' not found"));
  if (j->state == JobState::kPending) {
    if (j->holding) EvictJob(*j, JobState::kCancelled);  // releases the gang's hold
    jobs_.Dequeue(*j);
    jobs_.SetState(*j, JobState::kCancelled);
    return absl::OkStatus();
  }
  if (j->state != JobState::kRunning) {
    return absl::FailedPreconditionError(
        absl::StrCat("job '", job_id, "' is already ", JobStateName(j->state)));
  }
  Release(*j, JobState::kCancelled, /*stop_tasks=*/true);
  return absl::OkStatus();
}

absl::Status FrameworkScheduler::ReportTaskExit(const TaskRef& task, bool succeeded) {
  JobRecord* j = jobs_.Find(task.job_id);
  if (j == nullptr) return absl::NotFoundError(absl::StrCat("job '", task.job_id, "' not found"));
  if (j->state != JobState::kRunning) {
    return absl::FailedPreconditionError(
        absl::StrCat("job '", task.job_id, "' is ", JobStateName(j->state), ", not RUNNING"));
  }
  if (task.group < 0 || task.group >= static_cast<int32_t>(j->allocs.size()) || task.task < 0 ||
      task.task >= static_cast<int32_t>(j->allocs[task.group].size()) ||
      j->allocs[task.group][task.task] == 0) {
    return absl::NotFoundError(
        absl::StrCat("task ", task.job_id, "/", task.group, "/", task.task, " is not running"));
  }
  if (!succeeded) {
    Release(*j, JobState::kFailed, /*stop_tasks=*/true);
    // The task that exited needs no stop.
    pending_stops_.erase(std::remove(pending_stops_.begin(), pending_stops_.end(), task),
                         pending_stops_.end());
    return absl::OkStatus();
  }
  AllocationId id = j->allocs[task.group][task.task];
  const Allocation* a = cluster_.FindAllocation(id);
  if (a != nullptr) {
    internal::ChargeAllocation(*options_.catalog, cluster_.runtime(a->request.node).model,
                               j->spec.kind, a->request, -1, j->charged);
    internal::ChargeAllocation(*options_.catalog, cluster_.runtime(a->request.node).model,
                               j->spec.kind, a->request, -1, tenants_.MutableUsage(j->spec.tenant));
  }
  MC_RETURN_IF_ERROR(cluster_.Forget(id));
  j->allocs[task.group][task.task] = 0;
  j->finished[task.group][task.task] = true;
  ++event_generation_;
  if (--j->live_tasks == 0) jobs_.SetState(*j, JobState::kSucceeded);
  return absl::OkStatus();
}

absl::StatusOr<JobRecord*> FrameworkScheduler::JobForRestore(const Binding& b) {
  JobRecord* j = jobs_.Find(b.task.job_id);
  if (j == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("binding.task.job_id: job '", b.task.job_id, "' not found (submit it first)"));
  }
  const JobSpec& spec = j->spec;
  if (b.task.group < 0 || b.task.group >= static_cast<int32_t>(spec.task_groups.size())) {
    return absl::InvalidArgumentError(absl::StrCat("binding.task.group: no group ", b.task.group));
  }
  const TaskGroupSpec& g = spec.task_groups[b.task.group];
  if (b.flavor < 0 || b.flavor >= static_cast<int32_t>(g.flavors.size())) {
    return absl::InvalidArgumentError(absl::StrCat("binding.flavor: no flavor ", b.flavor));
  }
  int32_t cur = j->chosen_flavor[b.task.group];
  if (cur >= 0 && cur != b.flavor) {
    return absl::InvalidArgumentError(
        absl::StrCat("binding.flavor: group ", b.task.group, " already runs flavor ", cur));
  }
  const FlavorSpec& f = g.flavors[b.flavor];
  if (b.task.task < 0 || b.task.task >= f.replicas) {
    return absl::InvalidArgumentError(absl::StrCat("binding.task.task: no task ", b.task.task));
  }
  if (j->state != JobState::kPending && j->state != JobState::kRunning) {
    return absl::FailedPreconditionError(
        absl::StrCat("job '", spec.id, "' is ", JobStateName(j->state)));
  }
  auto& allocs = j->allocs[b.task.group];
  if (allocs.size() < static_cast<size_t>(f.replicas)) {
    allocs.resize(f.replicas, 0);
    j->finished[b.task.group].resize(f.replicas, false);
  }
  if (allocs[b.task.task] != 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("binding.task: task ", b.task.task, " of job '", spec.id, "' already bound"));
  }
  if (j->finished[b.task.group][b.task.task]) {
    return absl::AlreadyExistsError(
        absl::StrCat("binding.task: task ", b.task.task, " of job '", spec.id, "' already exited"));
  }
  return j;
}

absl::Status FrameworkScheduler::RestoreBinding(const Binding& b) {
  MC_ASSIGN_OR_RETURN(JobRecord * j, JobForRestore(b));
  const JobSpec& spec = j->spec;
  const FlavorSpec& f = spec.task_groups[b.task.group].flavors[b.flavor];
  auto& allocs = j->allocs[b.task.group];
  MC_ASSIGN_OR_RETURN(NodeIndex n, cluster_.FindNode(b.node));
  AllocationRequest r;
  r.task = b.task;
  r.node = n;
  r.devices = b.devices;
  std::sort(r.devices.begin(), r.devices.end());
  r.share = r.devices.empty()          ? MilliDevices::Zero()
            : f.demand.is_fractional() ? f.demand.devices
                                       : MilliDevices::FromRaw(kMilliPerDevice);
  r.device_memory = f.demand.device_memory;
  r.cpu = f.demand.cpu;
  r.memory = f.demand.memory;
  r.priority = spec.priority;
  r.preemptible = spec.preemptible;
  MC_ASSIGN_OR_RETURN(AllocationId id, cluster_.Assume(r));
  MC_RETURN_IF_ERROR(cluster_.Bind(id));
  allocs[b.task.task] = id;
  CountPlacement(*j, b.task.group, b.task.task, std::max(1, b.attempt));
  j->chosen_flavor[b.task.group] = b.flavor;
  ++j->live_tasks;
  const Allocation* a = cluster_.FindAllocation(id);
  internal::ChargeAllocation(*options_.catalog, cluster_.runtime(n).model, spec.kind, a->request,
                             +1, j->charged);
  internal::ChargeAllocation(*options_.catalog, cluster_.runtime(n).model, spec.kind, a->request,
                             +1, tenants_.MutableUsage(spec.tenant));
  if (j->state == JobState::kPending) {
    jobs_.Dequeue(*j);
    jobs_.SetState(*j, JobState::kRunning);
    j->started = options_.clock->Now();
  }
  jobs_.TrackIncomplete(*j);
  return absl::OkStatus();
}

absl::Status FrameworkScheduler::RestoreTaskExit(const Binding& b) {
  {
    const JobRecord* j = jobs_.Find(b.task.job_id);
    if (j != nullptr && j->state != JobState::kRunning) {
      return absl::FailedPreconditionError(
          absl::StrCat("job '", b.task.job_id, "' is ", JobStateName(j->state),
                       ", not RUNNING: restore its running tasks first"));
    }
  }
  MC_ASSIGN_OR_RETURN(JobRecord * j, JobForRestore(b));
  // What ReportTaskExit leaves behind for a task that succeeded: no
  // allocation, finished, its placement counted.
  j->finished[b.task.group][b.task.task] = true;
  CountPlacement(*j, b.task.group, b.task.task, std::max(1, b.attempt));
  j->chosen_flavor[b.task.group] = b.flavor;
  jobs_.TrackIncomplete(*j);
  return absl::OkStatus();
}

// --------------------------------------------------------------- release --

EvictedJob FrameworkScheduler::EvictJob(JobRecord& j, JobState new_state) {
  EvictedJob e;
  e.job_id = j.spec.id;
  e.state = j.state;
  e.started = j.started;
  e.chosen_flavor = j.chosen_flavor;
  e.finished = j.finished;
  e.charged = j.charged;
  e.holding = j.holding;
  e.hold_deadline = j.hold_deadline;
  for (int32_t g = 0; g < static_cast<int32_t>(j.allocs.size()); ++g) {
    for (int32_t t = 0; t < static_cast<int32_t>(j.allocs[g].size()); ++t) {
      AllocationId id = j.allocs[g][t];
      if (id == 0) continue;
      const Allocation* a = cluster_.FindAllocation(id);
      if (a == nullptr) continue;
      e.tasks.emplace_back(g, t, a->request, a->bound);
      absl::Status s = cluster_.Forget(id);
      MC_CHECK(s.ok());
    }
  }
  Usage& tenant = tenants_.MutableUsage(j.spec.tenant);
  for (const auto& [k, v] : j.charged) tenant[k] -= v;
  j.charged.clear();
  for (auto& v : j.allocs) std::fill(v.begin(), v.end(), 0);
  j.live_tasks = 0;
  j.holding = false;
  j.hold_deadline = absl::InfiniteFuture();
  SyncHoldCharge(j);
  jobs_.SetState(j, new_state);
  if (new_state == JobState::kPending) {
    j.chosen_flavor.assign(j.chosen_flavor.size(), -1);
    for (auto& v : j.finished) std::fill(v.begin(), v.end(), false);
    j.started = absl::InfinitePast();
    j.backing_off = false;
    jobs_.Enqueue(j);
  }
  ++event_generation_;
  return e;
}

void FrameworkScheduler::RestoreEvicted(const EvictedJob& e) {
  JobRecord* j = jobs_.Find(e.job_id);
  MC_CHECK(j != nullptr);
  // A preempted gang hold goes back to PENDING-with-hold; running work to
  // RUNNING.
  if (e.state != JobState::kPending) jobs_.Dequeue(*j);
  jobs_.SetState(*j, e.state);
  j->started = e.started;
  j->chosen_flavor = e.chosen_flavor;
  j->finished = e.finished;
  j->holding = e.holding;
  j->hold_deadline = e.hold_deadline;
  for (const auto& [g, t, req, bound] : e.tasks) {
    absl::StatusOr<AllocationId> id = cluster_.Assume(req);
    MC_CHECK(id.ok());  // the attempt freed exactly this capacity first
    if (bound) MC_CHECK(cluster_.Bind(*id).ok());
    j->allocs[g][t] = *id;
    if (bound) ++j->live_tasks;
  }
  j->charged = e.charged;
  Usage& tenant = tenants_.MutableUsage(j->spec.tenant);
  for (const auto& [k, v] : e.charged) tenant[k] += v;
  SyncHoldCharge(*j);
  jobs_.TrackIncomplete(*j);
}

void FrameworkScheduler::Release(JobRecord& j, JobState new_state, bool stop_tasks) {
  if (stop_tasks) {
    for (int32_t g = 0; g < static_cast<int32_t>(j.allocs.size()); ++g) {
      for (int32_t t = 0; t < static_cast<int32_t>(j.allocs[g].size()); ++t) {
        // A held gang reservation was never launched: nothing to stop.
        const Allocation* a =
            j.allocs[g][t] == 0 ? nullptr : cluster_.FindAllocation(j.allocs[g][t]);
        if (a != nullptr && a->bound) pending_stops_.push_back(TaskRef{j.spec.id, g, t});
      }
    }
  }
  EvictJob(j, new_state);
}

// ------------------------------------------------------------------ queue --

bool FrameworkScheduler::Eligible(const JobRecord& j, absl::Time now) const {
  if (!j.backing_off) return true;
  if (now >= j.failed_at + options_.profile.backoff_max) return true;
  return event_generation_ != j.fail_generation && now >= j.failed_at + j.backoff;
}

void FrameworkScheduler::MarkFailed(JobRecord& j, absl::Time now) {
  j.backing_off = true;
  j.failed_at = now;
  j.fail_generation = event_generation_;
  j.backoff = j.backoff == absl::ZeroDuration()
                  ? options_.profile.backoff_initial
                  : std::min(j.backoff * 2, options_.profile.backoff_max);
}

CycleResult FrameworkScheduler::RunCycle() {
  CycleResult out;
  const absl::Time now = options_.clock->Now();
  // Gang holds past their Permit timeout release everything first, so the
  // capacity is open to this cycle.
  std::vector<JobRecord*> expired;
  for (const auto& [seq, j] : jobs_.pending()) {
    if (j->holding && now >= j->hold_deadline) expired.push_back(j);
  }
  for (JobRecord* j : expired) ExpireHold(*j, now);
  // Jobs in QueueSort order; a QueueOrder plugin (fair share) may reorder
  // them while the cycle runs.
  std::vector<JobRecord*> order;
  order.reserve(jobs_.pending().size());
  for (const auto& [seq, j] : jobs_.pending()) {
    if (Eligible(*j, now)) order.push_back(j);
  }
  std::stable_sort(order.begin(), order.end(), [&](const JobRecord* a, const JobRecord* b) {
    return runtime_.queue_sort().Less(QueuedJobInfo{&a->spec, a->sequence, a->submitted},
                                      QueuedJobInfo{&b->spec, b->sequence, b->submitted});
  });
  if (runtime_.backfill() != nullptr) runtime_.backfill()->BeginCycle();
  SchedulerObserver* const observer = options_.observer;
  auto attempt = [&](JobRecord& j) {
    ++j.attempts;
    if (observer != nullptr) observer->AttemptStarted();
    const bool placed = TryJob(j);
    if (placed) {
      CommitJob(j, out);
    } else {
      MarkFailed(j, now);
    }
    if (observer != nullptr) {
      observer->AttemptFinished(placed ? SchedulerObserver::AttemptResult::kScheduled
                                       : SchedulerObserver::AttemptResult::kUnschedulable);
    }
  };
  if (runtime_.queue_order() == nullptr) {
    for (JobRecord* j : order) attempt(*j);
  } else {
    std::vector<QueuedJobInfo> queue;
    queue.reserve(order.size());
    for (const JobRecord* j : order) queue.push_back({&j->spec, j->sequence, j->submitted});
    std::unique_ptr<QueueCursor> cursor = runtime_.queue_order()->Order(queue);
    for (int32_t k = cursor->Next(); k >= 0; k = cursor->Next()) attempt(*order[k]);
  }
  // Extra replicas of running jobs come after every pending job: they are
  // beyond what the job needs to run.
  std::vector<JobRecord*> extras;
  for (const auto& [seq, j] : jobs_.incomplete()) {
    if (Eligible(*j, now)) extras.push_back(j);
  }
  for (JobRecord* j : extras) {
    if (j->state == JobState::kRunning) PlaceMissingReplicas(*j, out);
  }
  out.to_stop = std::move(pending_stops_);
  pending_stops_.clear();
  out.preemptions = std::move(pending_preemptions_);
  pending_preemptions_.clear();
  return out;
}

// -------------------------------------------------------------- placement --

bool FrameworkScheduler::BackfillAllows(const JobRecord& j, const std::vector<int32_t>& models,
                                        int64_t milli) const {
  return runtime_.backfill() == nullptr || runtime_.backfill()->Allows(j.spec, models, milli);
}

Decision FrameworkScheduler::Admit(const JobRecord& j, const Usage& add) const {
  return runtime_.Admit(j.spec, add, j.held_charge);
}

bool FrameworkScheduler::AdmitLimits(const JobRecord& j) const {
  return runtime_.AdmitLimits(j.spec);
}

bool FrameworkScheduler::TryJob(JobRecord& j) {
  const int32_t groups = static_cast<int32_t>(j.spec.task_groups.size());
  std::vector<EvictedJob> evicted;
  std::vector<int32_t> chosen(groups, -1);
  std::vector<FlavorExplanation> explain;
  bool ok = true;
  bool backfill_blocked = false;
  std::vector<std::vector<AllocationId>> group_allocs(groups);
  // Reservations this gang holds from earlier cycles (empty unless holding).
  std::vector<std::vector<AllocationId>> held(groups);
  if (j.holding) {
    for (int32_t g = 0; g < groups; ++g) {
      if (j.chosen_flavor[g] >= 0) held[g] = j.allocs[g];
    }
  }
  auto is_held = [&](int32_t g, AllocationId id) {
    return std::find(held[g].begin(), held[g].end(), id) != held[g].end();
  };
  for (int32_t g = 0; g < groups && ok; ++g) {
    const TaskGroupSpec& group = j.spec.task_groups[g];
    const bool below = group.flavors.size() > 1 && tenants_.BelowGuarantee(j.spec.tenant);
    std::vector<int64_t> scores = FlavorChoiceScores(*options_.catalog, cluster_, j.spec, g, below);
    std::vector<int32_t> order;
    if (!held[g].empty()) {
      order.push_back(j.chosen_flavor[g]);  // a held group stays in its flavor
    } else {
      order = FlavorOrder(scores);
    }
    bool group_ok = false;
    for (int pass = 0; pass < 2 && !group_ok; ++pass) {
      // Pass 0 places without preemption in every flavor; pass 1 preempts.
      bool preempt = pass == 1;
      if (preempt && (runtime_.postfilters().empty() || BackfillReserving())) {
        break;
      }
      if (preempt && options_.observer != nullptr) options_.observer->PreemptionAttempted();
      for (int32_t f : order) {
        FlavorExplanation ex;
        ex.group = g;
        ex.group_name = group.name;
        ex.flavor = f;
        ex.flavor_name = group.flavors[f].name;
        ex.choice_score = scores[f];
        const FlavorSpec& fl = group.flavors[f];
        // A gang holding part of its need asks backfill only for the rest.
        const int64_t held_tasks =
            std::count_if(held[g].begin(), held[g].end(), [](AllocationId id) { return id != 0; });
        if (!fl.demand.is_cpu_only() &&
            !BackfillAllows(j, fl.device_models,
                            fl.demand.devices.raw() * (fl.replicas - held_tasks))) {
          ex.outcome = RejectReason::kBackfillBlocked;
          backfill_blocked = true;
          if (!preempt) explain.push_back(std::move(ex));
          continue;
        }
        std::vector<AllocationId> mine;
        size_t evicted_before = evicted.size();
        if (PlaceGroup(j, g, f, preempt, /*keep_partial=*/false, held[g], mine, evicted, ex) ==
            GroupOutcome::kPlaced) {
          // Admission (tenant max quota), judged on what was actually placed.
          if (AdmitLimits(j)) {
            Usage add;
            for (const auto& v : group_allocs) {
              for (AllocationId id : v) {
                const Allocation* a = cluster_.FindAllocation(id);
                internal::ChargeAllocation(*options_.catalog,
                                           cluster_.runtime(a->request.node).model, j.spec.kind,
                                           a->request, +1, add);
              }
            }
            for (AllocationId id : mine) {
              const Allocation* a = cluster_.FindAllocation(id);
              internal::ChargeAllocation(*options_.catalog, cluster_.runtime(a->request.node).model,
                                         j.spec.kind, a->request, +1, add);
            }
            // `add` holds this gang's held part; other gangs' holds count.
            Decision admit = Admit(j, add);
            if (!admit.fit()) {
              for (AllocationId id : mine) {
                if (!is_held(g, id)) MC_CHECK(cluster_.Forget(id).ok());
              }
              for (size_t e = evicted.size(); e-- > evicted_before;) RestoreEvicted(evicted[e]);
              evicted.resize(evicted_before);
              ex.outcome = admit.reason;
              ex.detail = std::move(admit.detail);
              if (!preempt) explain.push_back(std::move(ex));
              continue;
            }
          }
          ex.outcome = RejectReason::kNone;
          ex.detail = "placed";
          explain.push_back(std::move(ex));
          group_allocs[g] = std::move(mine);
          chosen[g] = f;
          group_ok = true;
          break;
        }
        if (!preempt) explain.push_back(std::move(ex));
      }
    }
    ok = group_ok;
  }
  j.last_flavors = std::move(explain);
  if (ok) {
    for (int32_t g = 0; g < groups; ++g) {
      j.chosen_flavor[g] = chosen[g];
      const FlavorSpec& f = j.spec.task_groups[g].flavors[chosen[g]];
      j.allocs[g].assign(f.replicas, 0);
      j.finished[g].assign(f.replicas, false);
      for (AllocationId id : group_allocs[g]) {
        const Allocation* a = cluster_.FindAllocation(id);
        j.allocs[g][a->request.task.task] = id;
      }
    }
    j.holding = false;
    j.hold_deadline = absl::InfiniteFuture();
    SyncHoldCharge(j);  // CommitJob charges the whole gang as usage
    // Both sides say who: the victim names its preemptor, the preemptor
    // keeps the list of jobs it displaced (explain, log).
    j.displaced.clear();
    Preemption record{
        .preemptor = {.job_id = j.spec.id, .tenant = j.spec.tenant, .priority = j.spec.priority},
        .victims = {}};
    for (const EvictedJob& e : evicted) {
      JobRecord* v = jobs_.Find(e.job_id);
      record.victims.push_back({.job_id = v->spec.id,
                                .tenant = v->spec.tenant,
                                .priority = v->spec.priority,
                                .gang_hold = e.holding});
      ++v->preemptions;
      v->last_reject = absl::StrCat("preempted by job ", j.spec.id, " (tenant ", j.spec.tenant,
                                    ", priority ", j.spec.priority, ")");
      if (!j.displaced.empty()) absl::StrAppend(&j.displaced, ", ");
      absl::StrAppend(&j.displaced, v->spec.id, " (tenant ", v->spec.tenant, ", priority ",
                      v->spec.priority, e.holding ? ", gang hold" : "", ")");
      for (const auto& [g, t, req, bound] : e.tasks) {
        if (bound) pending_stops_.push_back(TaskRef{e.job_id, g, t});
      }
    }
    if (!record.victims.empty()) pending_preemptions_.push_back(std::move(record));
    if (!evicted.empty() && options_.observer != nullptr) {
      options_.observer->Preempted(static_cast<int32_t>(evicted.size()));
    }
    if (!j.displaced.empty()) {
      spdlog::debug("job {} (tenant {}, priority {}) preempted {}", j.spec.id, j.spec.tenant,
                    j.spec.priority, j.displaced);
    }
    j.last_reject.clear();
    return true;
  }
  // Roll back this attempt; reservations held from earlier cycles stay.
  for (int32_t g = 0; g < groups; ++g) {
    for (AllocationId id : group_allocs[g]) {
      if (!is_held(g, id)) MC_CHECK(cluster_.Forget(id).ok());
    }
  }
  for (size_t e = evicted.size(); e-- > 0;) RestoreEvicted(evicted[e]);
  // Summarize the failure; the first blocked job (not merely blocked by
  // backfill or quota) reserves capacity for EASY backfill. Nodes the
  // capacity index skipped are recounted by their true reason when the
  // summary is read (RejectSummary), not here: failures are frequent under
  // contention and a recount scans every node.
  bool capacity_blocked = false;
  std::string summary = SummarizeFlavors(j.last_flavors, &capacity_blocked);
  j.index_summary.clear();
  j.recounted_summary.clear();
  for (const FlavorExplanation& ex : j.last_flavors) {
    if (ex.by_plugin.contains("capacity_index")) j.index_summary = summary;
  }
  j.last_reject = summary;
  // Only a gang short of capacity waits holding; one refused by quota or
  // backfill would hold cards for nothing.
  if (runtime_.HoldTimeout() > absl::ZeroDuration() && (capacity_blocked || j.holding)) {
    HoldPartial(j, summary);
  }
  if (runtime_.backfill() != nullptr && !BackfillReserving() && capacity_blocked &&
      !backfill_blocked) {
    bool needs_devices = false;
    for (const TaskGroupSpec& g : j.spec.task_groups) {
      needs_devices = needs_devices || !g.flavors.front().demand.is_cpu_only();
    }
    if (needs_devices) runtime_.backfill()->Blocked(j.spec);
  }
  return false;
}

GroupOutcome FrameworkScheduler::PlaceGroup(JobRecord& j, int32_t g, int32_t f, bool allow_preempt,
                                            bool keep_partial,
                                            const std::vector<AllocationId>& held,
                                            std::vector<AllocationId>& placed,
                                            std::vector<EvictedJob>& evicted,
                                            FlavorExplanation& ex) {
  const TaskGroupSpec& group = j.spec.task_groups[g];
  const FlavorSpec& flavor = group.flavors[f];
  const int32_t replicas = flavor.replicas;
  const int32_t min_available = MinAvailable(group, f);
  CycleState cs(&j.spec, g, f, 0);
  cs.ReserveProposals(static_cast<size_t>(std::clamp(options_.profile.max_feasible_nodes, 1, 256)));
  std::vector<NodeIndex> gang_nodes;
  gang_nodes.reserve(replicas);
  std::string key = absl::StrCat(j.spec.id, "/", g);
  // Holds across cycles are tracked on the job (hold_deadline); the tracker
  // only sees this attempt.
  gangs_.Begin(key, min_available, absl::InfiniteFuture());
  for (AllocationId id : held) {
    if (id == 0) continue;
    gangs_.Reserve(key, id);
    gang_nodes.push_back(cluster_.FindAllocation(id)->request.node);
  }
  cs.SetGang(gang_nodes, replicas);
  std::vector<AllocationId> fresh;
  size_t evicted_before = evicted.size();
  bool first = true;
  for (int32_t t = 0; t < replicas; ++t) {
    if (t < static_cast<int32_t>(held.size()) && held[t] != 0) continue;
    cs.set_task(t);
    cs.ClearProposals();
    NodeIndex node = runtime_.FindNode(cs, first ? &ex : nullptr);
    first = false;
    if (node == kNoNode && allow_preempt && j.spec.priority > 0) {
      for (const PostFilterPlugin* p : runtime_.postfilters()) {
        absl::StatusOr<PreemptionPlan> plan = p->PostFilter(cs);
        if (!plan.ok()) continue;
        for (const std::string& victim : plan->victim_jobs) {
          JobRecord* v = jobs_.Find(victim);
          if (v == nullptr || v == &j) continue;
          // Running work, or another gang's held reservation (documented in
          // scheduler.h): both give way to higher priority.
          bool holds = v->state == JobState::kPending && v->holding;
          if (v->state != JobState::kRunning && !holds) continue;
          evicted.push_back(EvictJob(*v, JobState::kPending));
        }
        cs.ClearProposals();
        node = runtime_.FindNode(cs, nullptr);
        break;
      }
    }
    if (node == kNoNode) break;
    absl::StatusOr<AllocationId> id = runtime_.Reserve(cs, node);
    if (!id.ok()) {
      spdlog::warn("reserve failed for {}: {}", key, id.status().ToString());
      break;
    }
    fresh.push_back(*id);
    gangs_.Reserve(key, *id);
    gang_nodes.push_back(node);
    cs.SetGang(gang_nodes, replicas);
  }
  int32_t reserved = gangs_.Reserved(key);
  bool permitted = true;
  bool waiting = true;  // every Permit said fit or wait
  for (const PermitPlugin* p : runtime_.permits()) {
    Decision d = p->Permit(cs, reserved);
    if (d.verdict != Verdict::kFit) permitted = false;
    if (d.verdict != Verdict::kFit && d.verdict != Verdict::kWait) waiting = false;
  }
  if (runtime_.permits().empty() && reserved < min_available) permitted = false;
  if (permitted) {
    placed = gangs_.Finish(key);
    return GroupOutcome::kPlaced;
  }
  if (ex.outcome != RejectReason::kPluginError) {  // keep a PreScore refusal's detail
    ex.outcome = RejectReason::kGangIncomplete;
    ex.detail = absl::StrCat(reserved, "/", min_available, " tasks placed");
  }
  if (keep_partial && waiting && reserved > 0 && evicted.size() == evicted_before) {
    placed = gangs_.Finish(key);
    return GroupOutcome::kPartial;
  }
  gangs_.Abort(key);
  for (AllocationId id : fresh) MC_CHECK(cluster_.Forget(id).ok());
  placed.clear();
  for (size_t e = evicted.size(); e-- > evicted_before;) RestoreEvicted(evicted[e]);
  evicted.resize(evicted_before);
  return GroupOutcome::kFailed;
}

Binding FrameworkScheduler::MakeBinding(const JobRecord& j, int32_t g, int32_t t,
                                        const Allocation& a) const {
  Binding b;
  b.task = TaskRef{j.spec.id, g, t};
  b.flavor = j.chosen_flavor[g];
  b.flavor_name = j.spec.task_groups[g].flavors[b.flavor].name;
  b.node = cluster_.spec(a.request.node).name;
  b.devices = a.request.devices;
  b.share = a.request.share;
  b.attempt = Placements(j, g, t);
  if (options_.adapters != nullptr && !b.devices.empty()) {
    NodeView v = cluster_.view(a.request.node);
    if (const DeviceAdapter* ad = AdapterForNode(handle_, v)) {
      // Visibility names devices by UUID: the one caller needing identities.
      b.visibility = ad->VisibilityFor(cluster_.SpecWithIdentity(a.request.node), b.devices);
    }
  }
  return b;
}

void FrameworkScheduler::CommitJob(JobRecord& j, CycleResult& out) {
  jobs_.Dequeue(j);
  jobs_.SetState(j, JobState::kRunning);
  j.started = options_.clock->Now();
  j.backing_off = false;
  j.backoff = absl::ZeroDuration();
  j.live_tasks = 0;
  Usage& tenant = tenants_.MutableUsage(j.spec.tenant);
  for (int32_t g = 0; g < static_cast<int32_t>(j.allocs.size()); ++g) {
    for (int32_t t = 0; t < static_cast<int32_t>(j.allocs[g].size()); ++t) {
      AllocationId id = j.allocs[g][t];
      if (id == 0) continue;
      MC_CHECK(cluster_.Bind(id).ok());
      const Allocation* a = cluster_.FindAllocation(id);
      int32_t model = cluster_.runtime(a->request.node).model;
      internal::ChargeAllocation(*options_.catalog, model, j.spec.kind, a->request, +1, j.charged);
      internal::ChargeAllocation(*options_.catalog, model, j.spec.kind, a->request, +1, tenant);
      ++j.live_tasks;
      CountPlacement(j, g, t);
      out.placed.push_back(MakeBinding(j, g, t, *a));
    }
  }
  jobs_.TrackIncomplete(j);
  if (jobs_.IsIncomplete(j)) {
    j.last_reject = "running; replicas beyond min_available wait for capacity";
  }
}

void FrameworkScheduler::PlaceMissingReplicas(JobRecord& j, CycleResult& out) {
  const absl::Time now = options_.clock->Now();
  const bool limited = AdmitLimits(j);
  int32_t placed = 0;
  bool blocked = false;
  for (int32_t g = 0; g < static_cast<int32_t>(j.allocs.size()) && !blocked; ++g) {
    const int32_t f = j.chosen_flavor[g];
    if (f < 0) continue;
    const FlavorSpec& fl = j.spec.task_groups[g].flavors[f];
    // The running tasks are the gang context: topology and spread plugins
    // keep the extras near (or apart from) them as for the first ones.
    std::vector<NodeIndex> gang_nodes;
    for (AllocationId id : j.allocs[g]) {
      if (const Allocation* a = id == 0 ? nullptr : cluster_.FindAllocation(id)) {
        gang_nodes.push_back(a->request.node);
      }
    }
    CycleState cs(&j.spec, g, f, 0);
    cs.SetGang(gang_nodes, fl.replicas);
    for (int32_t t = 0; t < static_cast<int32_t>(j.allocs[g].size()); ++t) {
      if (j.allocs[g][t] != 0 || j.finished[g][t]) continue;
      if (!fl.demand.is_cpu_only() &&
          !BackfillAllows(j, fl.device_models, fl.demand.devices.raw())) {
        blocked = true;
        break;
      }
      cs.set_task(t);
      cs.ClearProposals();
      NodeIndex node = runtime_.FindNode(cs, nullptr);
      if (node == kNoNode) {
        blocked = true;
        break;
      }
      absl::StatusOr<AllocationId> id = runtime_.Reserve(cs, node);
      if (!id.ok()) {
        spdlog::warn("reserve failed for an extra replica of {}: {}", j.spec.id,
                     id.status().ToString());
        blocked = true;
        break;
      }
      const Allocation* a = cluster_.FindAllocation(*id);
      const int32_t model = cluster_.runtime(node).model;
      if (limited) {
        Usage add;
        internal::ChargeAllocation(*options_.catalog, model, j.spec.kind, a->request, +1, add);
        if (!Admit(j, add).fit()) {
          MC_CHECK(cluster_.Forget(*id).ok());
          blocked = true;
          break;
        }
      }
      MC_CHECK(cluster_.Bind(*id).ok());
      internal::ChargeAllocation(*options_.catalog, model, j.spec.kind, a->request, +1, j.charged);
      internal::ChargeAllocation(*options_.catalog, model, j.spec.kind, a->request, +1,
                                 tenants_.MutableUsage(j.spec.tenant));
      j.allocs[g][t] = *id;
      ++j.live_tasks;
      ++placed;
      CountPlacement(j, g, t);
      out.placed.push_back(MakeBinding(j, g, t, *a));
      gang_nodes.push_back(node);
      cs.SetGang(gang_nodes, fl.replicas);
    }
  }
  jobs_.TrackIncomplete(j);
  if (!jobs_.IsIncomplete(j)) {
    j.backing_off = false;
    j.backoff = absl::ZeroDuration();
    j.last_reject.clear();
    return;
  }
  // Still short: wait for an event that frees capacity (or the back-off cap),
  // like any unschedulable job, instead of retrying every cycle.
  MarkFailed(j, now);
  if (placed > 0) j.backoff = absl::ZeroDuration();
}

// ------------------------------------------------------------------ views --

JobView FrameworkScheduler::ToView(const JobRecord& j) const {
  JobView v;
  v.spec = j.spec;
  v.state = j.state;
  v.chosen_flavor = j.chosen_flavor;
  for (int32_t g = 0; g < static_cast<int32_t>(j.allocs.size()); ++g) {
    for (int32_t t = 0; t < static_cast<int32_t>(j.allocs[g].size()); ++t) {
      if (j.allocs[g][t] == 0) continue;
      const Allocation* a = cluster_.FindAllocation(j.allocs[g][t]);
      // A held gang reservation is not a binding until the gang is whole.
      if (a != nullptr && a->bound) v.bindings.push_back(MakeBinding(j, g, t, *a));
    }
  }
  v.last_reject = RejectSummary(j);
  v.submitted = j.submitted;
  v.started = j.started;
  v.attempts = j.attempts;
  v.preemptions = j.preemptions;
  return v;
}

absl::StatusOr<JobView> FrameworkScheduler::GetJob(absl::string_view id) const {
  const JobRecord* j = jobs_.Find(id);
  if (j == nullptr) return absl::NotFoundError(absl::StrCat("job '", id, "' not found"));
  return ToView(*j);
}

std::vector<JobView> FrameworkScheduler::ListJobs() const {
  std::vector<JobView> out;
  out.reserve(jobs_.all().size());
  for (const auto& [seq, j] : jobs_.all()) out.push_back(ToView(*j));
  return out;
}

}  // namespace internal

absl::StatusOr<std::unique_ptr<Scheduler>> Scheduler::Create(SchedulerOptions options) {
  if (options.catalog == nullptr) return absl::InvalidArgumentError("options.catalog: required");
  if (options.clock == nullptr) return absl::InvalidArgumentError("options.clock: required");
  auto s = std::make_unique<internal::FrameworkScheduler>(std::move(options));
  MC_RETURN_IF_ERROR(s->Init());
  return std::unique_ptr<Scheduler>(std::move(s));
}

}  // namespace manychip
