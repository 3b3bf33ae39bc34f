#include "manychip/core/scheduler.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "manychip/adapters/adapter_registry.h"
#include "manychip/core/normalized_units.h"
#include "manychip/framework/registry.h"
#include "spdlog/spdlog.h"
#include "src/core/framework_scheduler.h"
#include "src/core/job_validation.h"
#include "src/core/quota.h"
#include "src/plugins/gang.h"
#include "src/plugins/plugin_util.h"

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
  std::set<std::string> seen;
  for (const PluginArgs& args : options_.profile.plugins) {
    if (!seen.insert(args.name).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "plugins.", args.name, ": listed twice in profile '", options_.profile.name, "'"));
    }
    MC_ASSIGN_OR_RETURN(std::unique_ptr<Plugin> p, registry.Create(args, handle_));
    Plugin* raw = p.get();
    plugins_.push_back(std::move(p));
    int64_t weight = args.weight;
    if (auto* q = dynamic_cast<QueueSortPlugin*>(raw); q != nullptr && queue_sort_ == nullptr) {
      queue_sort_ = q;
    }
    int pre = -1;
    if (auto* x = dynamic_cast<PreFilterPlugin*>(raw)) {
      pre = static_cast<int>(prefilters_.size());
      prefilters_.push_back(x);
    }
    if (auto* x = dynamic_cast<FilterPlugin*>(raw)) {
      filters_.push_back(x);
      filter_names_.emplace_back(raw->name());
      prefilter_for_filter_.push_back(pre);
    }
    if (auto* x = dynamic_cast<PostFilterPlugin*>(raw)) postfilters_.push_back(x);
    int prescore = -1;
    if (auto* x = dynamic_cast<PreScorePlugin*>(raw)) {
      prescore = static_cast<int>(prescorers_.size());
      prescorers_.push_back({x, std::string(raw->name())});
    }
    if (auto* x = dynamic_cast<ScorePlugin*>(raw); x != nullptr && weight > 0) {
      scorers_.push_back({x, weight, prescore});
    }
    if (auto* x = dynamic_cast<PermitPlugin*>(raw)) permits_.push_back(x);
  }
  // Device-choice ranks (cycle_state.h): the heaviest score plugin decides,
  // the first listed among equals.
  std::vector<size_t> by_weight(scorers_.size());
  for (size_t i = 0; i < by_weight.size(); ++i) by_weight[i] = i;
  std::stable_sort(by_weight.begin(), by_weight.end(),
                   [&](size_t a, size_t b) { return scorers_[a].weight > scorers_[b].weight; });
  for (size_t r = 0; r < by_weight.size(); ++r) {
    scorers_[by_weight[r]].rank = static_cast<int32_t>(r);
  }
  score_skip_.assign(scorers_.size(), false);
  if (queue_sort_ == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "profile '", options_.profile.name, "'.plugins: needs a QueueSort plugin (queue_sort)"));
  }
  if (options_.profile.max_feasible_nodes < 0) {
    return absl::InvalidArgumentError("profile.max_feasible_nodes: must be >= 0");
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- events --

absl::Status FrameworkScheduler::AddNode(NodeSpec node) {
  MC_ASSIGN_OR_RETURN(NodeIndex n, cluster_.AddNode(std::move(node)));
  const NodeSpec& s = cluster_.spec(n);
  total_cpu_ += s.cpu.raw();
  total_memory_ += s.memory.raw();
  for (const DeviceSpec& d : s.devices) total_devices_ += d.healthy ? kMilliPerDevice : 0;
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
    JobRecord* j = FindJob(id);
    if (j == nullptr) continue;
    // The gang restarts whole: every task stops, the job queues again.
    Release(*j, JobState::kPending, /*stop_tasks=*/true);
    j->last_reject = "requeued after node or device failure";
  }
}

absl::Status FrameworkScheduler::Evict(absl::string_view job_id, absl::string_view reason) {
  JobRecord* j = FindJob(job_id);
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
  const NodeSpec& s = cluster_.spec(n);
  total_cpu_ -= s.cpu.raw();
  total_memory_ -= s.memory.raw();
  for (const DeviceSpec& d : s.devices) total_devices_ -= d.healthy ? kMilliPerDevice : 0;
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
    total_devices_ += healthy ? kMilliPerDevice : -kMilliPerDevice;
    if (healthy) ++event_generation_;
  }
  return absl::OkStatus();
}

absl::Status FrameworkScheduler::SetTenantQuota(TenantQuotaSpec quota) {
  if (quota.tenant.empty()) return absl::InvalidArgumentError("quota.tenant: must not be empty");
  if (quota.weight < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("quota.weight: must be >= 0, got ", quota.weight));
  }
  if (quota.weight == 0) quota.weight = 1;
  static const char* kFixed[] = {"cpu", "memory", "devices", "h20e"};
  for (const auto* m : {&quota.guaranteed, &quota.max}) {
    const char* field = m == &quota.max ? "max" : "guaranteed";
    for (const auto& [key, v] : *m) {
      bool known = std::find(std::begin(kFixed), std::end(kFixed), key) != std::end(kFixed);
      if (key.rfind("device:", 0) == 0) {
        known = options_.catalog->Find(key.substr(7)) != nullptr;
      } else if (key.rfind("vendor:", 0) == 0) {
        known = key.size() > 7;
      }
      if (!known) {
        return absl::InvalidArgumentError(
            absl::StrCat("quota.", field, ".", key, ": unknown resource key"));
      }
      if (v < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("quota.", field, ".", key, ": must be >= 0, got ", v));
      }
    }
  }
  // Canonicalize device:<alias> to the model id so charges match.
  std::map<std::string, int64_t> g, mx;
  for (auto [src, dst] : {std::pair{&quota.guaranteed, &g}, std::pair{&quota.max, &mx}}) {
    for (const auto& [key, v] : *src) {
      if (key.rfind("device:", 0) == 0) {
        (*dst)[absl::StrCat("device:", options_.catalog->Find(key.substr(7))->id)] = v;
      } else {
        (*dst)[key] = v;
      }
    }
  }
  quota.guaranteed = std::move(g);
  quota.max = std::move(mx);
  quotas_[quota.tenant] = std::move(quota);
  ++event_generation_;
  return absl::OkStatus();
}

absl::Status FrameworkScheduler::Submit(JobSpec job) {
  MC_RETURN_IF_ERROR(ValidateJob(*options_.catalog, job));
  if (jobs_.contains(job.id)) {
    return absl::AlreadyExistsError(absl::StrCat("job '", job.id, "' already exists"));
  }
  auto rec = std::make_unique<JobRecord>();
  rec->spec = std::move(job);
  rec->sequence = next_sequence_++;
  rec->submitted = options_.clock->Now();
  size_t groups = rec->spec.task_groups.size();
  rec->chosen_flavor.assign(groups, -1);
  rec->allocs.resize(groups);
  rec->finished.resize(groups);
  JobRecord* raw = rec.get();
  jobs_[raw->spec.id] = std::move(rec);
  by_sequence_[raw->sequence] = raw;
  pending_[raw->sequence] = raw;
  return absl::OkStatus();
}

void FrameworkScheduler::SetState(JobRecord& j, JobState state) {
  j.state = state;
  if (state == JobState::kRunning) {
    running_[j.sequence] = &j;
  } else {
    running_.erase(j.sequence);
    incomplete_.erase(j.sequence);
  }
}

void FrameworkScheduler::TrackIncomplete(JobRecord& j) {
  bool missing = false;
  if (j.state == JobState::kRunning) {
    for (size_t g = 0; g < j.allocs.size() && !missing; ++g) {
      for (size_t t = 0; t < j.allocs[g].size() && !missing; ++t) {
        missing = j.allocs[g][t] == 0 && !j.finished[g][t];
      }
    }
  }
  if (missing) {
    incomplete_[j.sequence] = &j;
  } else {
    incomplete_.erase(j.sequence);
  }
}

JobRecord* FrameworkScheduler::FindJob(absl::string_view id) {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : it->second.get();
}

absl::Status FrameworkScheduler::Cancel(absl::string_view job_id) {
  JobRecord* j = FindJob(job_id);
  if (j == nullptr) return absl::NotFoundError(absl::StrCat("job '", job_id, "' not found"));
  if (j->state == JobState::kPending) {
    if (j->holding) EvictJob(*j, JobState::kCancelled);  // releases the gang's hold
    pending_.erase(j->sequence);
    SetState(*j, JobState::kCancelled);
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
  JobRecord* j = FindJob(task.job_id);
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
                               j->spec.kind, a->request, -1, tenant_usage_[j->spec.tenant]);
  }
  MC_RETURN_IF_ERROR(cluster_.Forget(id));
  j->allocs[task.group][task.task] = 0;
  j->finished[task.group][task.task] = true;
  ++event_generation_;
  if (--j->live_tasks == 0) SetState(*j, JobState::kSucceeded);
  return absl::OkStatus();
}

absl::Status FrameworkScheduler::RestoreBinding(const Binding& b) {
  JobRecord* j = FindJob(b.task.job_id);
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
  j->chosen_flavor[b.task.group] = b.flavor;
  ++j->live_tasks;
  const Allocation* a = cluster_.FindAllocation(id);
  internal::ChargeAllocation(*options_.catalog, cluster_.runtime(n).model, spec.kind, a->request,
                             +1, j->charged);
  internal::ChargeAllocation(*options_.catalog, cluster_.runtime(n).model, spec.kind, a->request,
                             +1, tenant_usage_[spec.tenant]);
  if (j->state == JobState::kPending) {
    pending_.erase(j->sequence);
    SetState(*j, JobState::kRunning);
    j->started = options_.clock->Now();
  }
  TrackIncomplete(*j);
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
  Usage& tenant = tenant_usage_[j.spec.tenant];
  for (const auto& [k, v] : j.charged) tenant[k] -= v;
  j.charged.clear();
  for (auto& v : j.allocs) std::fill(v.begin(), v.end(), 0);
  j.live_tasks = 0;
  j.holding = false;
  j.hold_deadline = absl::InfiniteFuture();
  SyncHoldCharge(j);
  SetState(j, new_state);
  if (new_state == JobState::kPending) {
    j.chosen_flavor.assign(j.chosen_flavor.size(), -1);
    for (auto& v : j.finished) std::fill(v.begin(), v.end(), false);
    j.started = absl::InfinitePast();
    j.backing_off = false;
    pending_[j.sequence] = &j;
  }
  ++event_generation_;
  return e;
}

void FrameworkScheduler::RestoreEvicted(const EvictedJob& e) {
  JobRecord* j = FindJob(e.job_id);
  MC_CHECK(j != nullptr);
  // A preempted gang hold goes back to PENDING-with-hold; running work to
  // RUNNING.
  if (e.state != JobState::kPending) pending_.erase(j->sequence);
  SetState(*j, e.state);
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
  Usage& tenant = tenant_usage_[j->spec.tenant];
  for (const auto& [k, v] : e.charged) tenant[k] += v;
  SyncHoldCharge(*j);
  TrackIncomplete(*j);
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

const TenantQuotaSpec* FrameworkScheduler::Quota(const std::string& tenant) const {
  auto it = quotas_.find(tenant);
  return it == quotas_.end() ? nullptr : &it->second;
}

int64_t FrameworkScheduler::DominantSharePpm(const std::string& tenant) const {
  auto it = tenant_usage_.find(tenant);
  if (it == tenant_usage_.end()) return 0;
  auto get = [&](const char* k) {
    auto u = it->second.find(k);
    return u == it->second.end() ? int64_t{0} : u->second;
  };
  int64_t share = 0;
  if (total_cpu_ > 0) share = std::max(share, get("cpu") * 1000000 / total_cpu_);
  if (total_memory_ > 0) share = std::max(share, get("memory") * 1000000 / total_memory_);
  if (total_devices_ > 0) share = std::max(share, get("devices") * 1000000 / total_devices_);
  const TenantQuotaSpec* q = Quota(tenant);
  return share / (q == nullptr ? 1 : std::max(1, q->weight));
}

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
  for (const auto& [seq, j] : pending_) {
    if (j->holding && now >= j->hold_deadline) expired.push_back(j);
  }
  for (JobRecord* j : expired) ExpireHold(*j, now);
  // Jobs in queue order, then per priority level interleaved by tenant fair
  // share (DRF): the tenant below its guarantee, then with the lowest
  // weighted dominant share, goes next; ties by tenant name.
  std::vector<JobRecord*> order;
  order.reserve(pending_.size());
  for (const auto& [seq, j] : pending_) {
    if (Eligible(*j, now)) order.push_back(j);
  }
  std::stable_sort(order.begin(), order.end(), [&](const JobRecord* a, const JobRecord* b) {
    return queue_sort_->Less(QueuedJobInfo{&a->spec, a->sequence, a->submitted},
                             QueuedJobInfo{&b->spec, b->sequence, b->submitted});
  });
  Reservation reservation;
  size_t i = 0;
  while (i < order.size()) {
    size_t end = i;
    while (end < order.size() && order[end]->spec.priority == order[i]->spec.priority) ++end;
    std::map<std::string, std::vector<JobRecord*>> by_tenant;
    for (size_t k = end; k-- > i;) by_tenant[order[k]->spec.tenant].push_back(order[k]);
    // Each vector is reversed: back() is the tenant's head.
    while (!by_tenant.empty()) {
      auto pick = by_tenant.end();
      std::tuple<int, int64_t> best_key{2, 0};
      for (auto it = by_tenant.begin(); it != by_tenant.end(); ++it) {
        const TenantQuotaSpec* q = Quota(it->first);
        auto u = tenant_usage_.find(it->first);
        bool below = q != nullptr &&
                     internal::BelowGuarantee(*q, u == tenant_usage_.end() ? Usage{} : u->second);
        std::tuple<int, int64_t> key{below ? 0 : 1, DominantSharePpm(it->first)};
        if (pick == by_tenant.end() || key < best_key) {
          pick = it;
          best_key = key;
        }
      }
      JobRecord* j = pick->second.back();
      pick->second.pop_back();
      if (pick->second.empty()) by_tenant.erase(pick);
      ++j->attempts;
      if (TryJob(*j, reservation, true)) {
        CommitJob(*j, out);
      } else {
        MarkFailed(*j, now);
      }
    }
    i = end;
  }
  // Extra replicas of running jobs come after every pending job: they are
  // beyond what the job needs to run.
  std::vector<JobRecord*> extras;
  for (const auto& [seq, j] : incomplete_) {
    if (Eligible(*j, now)) extras.push_back(j);
  }
  for (JobRecord* j : extras) {
    if (j->state == JobState::kRunning) PlaceMissingReplicas(*j, reservation, out);
  }
  out.to_stop = std::move(pending_stops_);
  pending_stops_.clear();
  return out;
}

// -------------------------------------------------------------- placement --

std::vector<int64_t> FrameworkScheduler::FlavorChoiceScores(const JobRecord& j, int32_t g) const {
  const TaskGroupSpec& group = j.spec.task_groups[g];
  std::vector<int64_t> out(group.flavors.size(), 0);
  if (group.flavors.size() == 1) return out;
  const TenantQuotaSpec* q = Quota(j.spec.tenant);
  auto u = tenant_usage_.find(j.spec.tenant);
  bool below =
      q != nullptr && internal::BelowGuarantee(*q, u == tenant_usage_.end() ? Usage{} : u->second);
  for (size_t f = 0; f < group.flavors.size(); ++f) {
    const FlavorSpec& fl = group.flavors[f];
    // Normalized throughput (milli reference cards) x the part of the
    // flavor's need to start (its own min_available) that is free now x a
    // guarantee bonus.
    int64_t thr = FlavorUnits(*options_.catalog, fl, j.spec.kind);
    int64_t need = fl.demand.devices.raw() * MinAvailable(group, static_cast<int32_t>(f));
    int64_t free_ratio = 1000;
    if (need > 0) {
      int64_t free = FreeMilliOfModels(fl.device_models, fl.demand.is_fractional());
      free_ratio = std::min<int64_t>(1000, free * 1000 / need);
    }
    out[f] = thr * free_ratio / 1000 * (below ? 1000 : 900) / 1000;
  }
  return out;
}

bool FrameworkScheduler::TryJob(JobRecord& j, Reservation& reservation, bool) {
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
    std::vector<int64_t> scores = FlavorChoiceScores(j, g);
    std::vector<int32_t> order;
    if (!held[g].empty()) {
      order.push_back(j.chosen_flavor[g]);  // a held group stays in its flavor
    } else {
      order.resize(group.flavors.size());
      for (size_t f = 0; f < order.size(); ++f) order[f] = static_cast<int32_t>(f);
      std::stable_sort(order.begin(), order.end(),
                       [&](int32_t a, int32_t b) { return scores[a] > scores[b]; });
    }
    bool group_ok = false;
    for (int pass = 0; pass < 2 && !group_ok; ++pass) {
      // Pass 0 places without preemption in every flavor; pass 1 preempts.
      bool preempt = pass == 1;
      if (preempt && (postfilters_.empty() || reservation.active)) break;
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
            !BackfillAllowsMilli(j, fl.device_models,
                                 fl.demand.devices.raw() * (fl.replicas - held_tasks),
                                 reservation)) {
          ex.outcome = RejectReason::kBackfillBlocked;
          backfill_blocked = true;
          if (!preempt) explain.push_back(std::move(ex));
          continue;
        }
        std::vector<AllocationId> mine;
        size_t evicted_before = evicted.size();
        if (PlaceGroup(j, g, f, preempt, /*keep_partial=*/false, held[g], mine, evicted, ex) ==
            GroupOutcome::kPlaced) {
          // Tenant max quota, judged on what was actually placed.
          const TenantQuotaSpec* q = Quota(j.spec.tenant);
          if (q != nullptr && !q->max.empty()) {
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
            std::string key = internal::ExceedsMax(*q, QuotaBase(j), add);
            if (!key.empty()) {
              for (AllocationId id : mine) {
                if (!is_held(g, id)) MC_CHECK(cluster_.Forget(id).ok());
              }
              for (size_t e = evicted.size(); e-- > evicted_before;) RestoreEvicted(evicted[e]);
              evicted.resize(evicted_before);
              ex.outcome = RejectReason::kQuotaExceeded;
              ex.detail = absl::StrCat("max ", key);
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
    for (const EvictedJob& e : evicted) {
      JobRecord* v = FindJob(e.job_id);
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
  if (HoldTimeout() > absl::ZeroDuration() && (capacity_blocked || j.holding)) {
    HoldPartial(j, reservation, summary);
  }
  if (options_.profile.backfill && !reservation.active && capacity_blocked && !backfill_blocked) {
    bool needs_devices = false;
    for (const TaskGroupSpec& g : j.spec.task_groups) {
      needs_devices = needs_devices || !g.flavors.front().demand.is_cpu_only();
    }
    if (needs_devices) reservation = MakeReservation(j);
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
    NodeIndex node = FindNode(cs, first ? &ex : nullptr);
    first = false;
    if (node == kNoNode && allow_preempt && j.spec.priority > 0) {
      for (const PostFilterPlugin* p : postfilters_) {
        absl::StatusOr<PreemptionPlan> plan = p->PostFilter(cs);
        if (!plan.ok()) continue;
        for (const std::string& victim : plan->victim_jobs) {
          JobRecord* v = FindJob(victim);
          if (v == nullptr || v == &j) continue;
          // Running work, or another gang's held reservation (documented in
          // scheduler.h): both give way to higher priority.
          bool holds = v->state == JobState::kPending && v->holding;
          if (v->state != JobState::kRunning && !holds) continue;
          evicted.push_back(EvictJob(*v, JobState::kPending));
        }
        cs.ClearProposals();
        node = FindNode(cs, nullptr);
        break;
      }
    }
    if (node == kNoNode) break;
    absl::StatusOr<AllocationId> id = Reserve(cs, node);
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
  for (const PermitPlugin* p : permits_) {
    Decision d = p->Permit(cs, reserved);
    if (d.verdict != Verdict::kFit) permitted = false;
    if (d.verdict != Verdict::kFit && d.verdict != Verdict::kWait) waiting = false;
  }
  if (permits_.empty() && reserved < min_available) permitted = false;
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

bool FrameworkScheduler::RunPreFilters(CycleState& cs, std::vector<bool>& skip,
                                       FlavorExplanation* ex, int32_t nodes) {
  std::vector<bool> pre_skip(prefilters_.size(), false);
  for (size_t p = 0; p < prefilters_.size(); ++p) {
    Decision d = prefilters_[p]->PreFilter(cs);
    if (d.verdict == Verdict::kSkip) {
      pre_skip[p] = true;
      continue;
    }
    if (!d.fit()) {
      if (ex != nullptr) {
        ex->reasons.assign(1, {d.reason, nodes});
        ex->by_plugin[std::string(prefilters_[p]->name())] += nodes;
        ex->nodes_total = nodes;
        ex->detail = d.detail;
      }
      return false;
    }
  }
  skip.assign(filters_.size(), false);
  for (size_t f = 0; f < filters_.size(); ++f) {
    int pre = prefilter_for_filter_[f];
    skip[f] = pre >= 0 && pre_skip[pre];
  }
  return true;
}

// A lost or cordoned node never takes work, whatever the profile: the taints
// filter says so too, but safety cannot depend on a profile listing it.
RejectReason FrameworkScheduler::NodeStateRejects(NodeIndex n) const {
  const auto& rt = cluster_.runtime(n);
  if (!rt.ready) return RejectReason::kNodeNotReady;
  if (!rt.schedulable) return RejectReason::kNodeUnschedulable;
  return RejectReason::kNone;
}

int FrameworkScheduler::FilterNode(CycleState& cs, const std::vector<bool>& skip, const NodeView& v,
                                   Decision* decision) const {
  for (size_t f = 0; f < filters_.size(); ++f) {
    if (skip[f]) continue;
    Decision d = filters_[f]->Filter(cs, v);
    if (!d.fit()) {
      *decision = std::move(d);
      return static_cast<int>(f);
    }
  }
  return -1;
}

NodeIndex FrameworkScheduler::FindNode(CycleState& cs, FlavorExplanation* ex) {
  const int32_t live = cluster_.live_node_count();
  std::vector<bool>& skip = skip_;
  if (!RunPreFilters(cs, skip, ex, live)) return kNoNode;
  const DemandSpec& d = cs.demand();
  const size_t limit = options_.profile.max_feasible_nodes > 0
                           ? static_cast<size_t>(options_.profile.max_feasible_nodes)
                           : SIZE_MAX;
  std::vector<NodeIndex>& feasible = feasible_;
  feasible.clear();
  int64_t reason_counts[kRejectReasonCount] = {};
  std::vector<int32_t>& plugin_counts = plugin_counts_;
  plugin_counts.assign(filters_.size(), 0);
  int32_t visited = 0;
  Decision decision;
  auto visit = [&](NodeIndex n) {
    if (cs.restricted() && !cs.allowed().Test(n)) return true;
    if (!cluster_.runtime(n).alive) return true;
    ++visited;
    if (RejectReason r = NodeStateRejects(n); r != RejectReason::kNone) {
      ++reason_counts[static_cast<int>(r)];
      return true;
    }
    NodeView v = cluster_.view(n);
    int rejected = FilterNode(cs, skip, v, &decision);
    if (rejected >= 0) {
      ++reason_counts[static_cast<int>(decision.reason)];
      ++plugin_counts[rejected];
      return true;
    }
    feasible.push_back(n);
    return feasible.size() < limit;
  };
  // Candidates come from the free-capacity indexes: only nodes whose free
  // whole cards (or largest free share) can hold the task, tightest first.
  if (d.is_cpu_only()) {
    for (NodeIndex n = 0; n < cluster_.node_count(); ++n) {
      if (!visit(n)) break;
    }
  } else if (d.is_fractional()) {
    bool go = true;
    for (int32_t b = static_cast<int32_t>(d.devices.raw() / 100);
         go && b < ClusterState::kShareBuckets; ++b) {
      for (int32_t m : cs.flavor().device_models) {
        if (!(go = cluster_.NodesWithShareBucket(m, b).ForEachFrom(0, visit))) break;
      }
    }
  } else {
    bool go = true;
    int32_t max_k = 0;
    for (int32_t m : cs.flavor().device_models) {
      max_k = std::max(max_k, cluster_.MaxDevicesPerNode(m));
    }
    for (int32_t k = d.card_count(); go && k <= max_k; ++k) {
      for (int32_t m : cs.flavor().device_models) {
        if (!(go = cluster_.NodesWithFreeWhole(m, k).ForEachFrom(0, visit))) break;
      }
    }
  }
  if (ex != nullptr) {
    ex->nodes_total = live;
    ex->nodes_feasible = static_cast<int32_t>(feasible.size());
    int64_t not_visited = live - visited;
    if (!d.is_cpu_only() && not_visited > 0 && feasible.size() < limit) {
      // Nodes the index skipped lack the free cards or share.
      reason_counts[static_cast<int>(d.is_fractional() ? RejectReason::kInsufficientShare
                                                       : RejectReason::kInsufficientDevices)] +=
          not_visited;
      ex->by_plugin["capacity_index"] += static_cast<int32_t>(not_visited);
    }
    ex->reasons.clear();
    for (int r = 0; r < kRejectReasonCount; ++r) {
      if (reason_counts[r] > 0) {
        ex->reasons.emplace_back(static_cast<RejectReason>(r),
                                 static_cast<int32_t>(reason_counts[r]));
      }
    }
    std::stable_sort(ex->reasons.begin(), ex->reasons.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (size_t f = 0; f < filters_.size(); ++f) {
      if (plugin_counts[f] > 0) ex->by_plugin[filter_names_[f]] += plugin_counts[f];
    }
  }
  if (feasible.empty()) return kNoNode;
  if (!prescorers_.empty() && !RunPreScores(cs, feasible, ex)) return kNoNode;
  if (feasible.size() == 1 || scorers_.empty()) {
    return *std::min_element(feasible.begin(), feasible.end());
  }
  std::vector<int64_t>& total = total_;
  std::vector<int64_t>& scores = scores_;
  total.assign(feasible.size(), 0);
  scores.assign(feasible.size(), 0);
  for (size_t k = 0; k < scorers_.size(); ++k) {
    const ScorePluginEntry& s = scorers_[k];
    if (s.prescore >= 0 && score_skip_[k]) continue;
    cs.SetProposerRank(s.rank);
    for (size_t i = 0; i < feasible.size(); ++i) {
      scores[i] = std::clamp<int64_t>(s.plugin->Score(cs, cluster_.view(feasible[i])), 0, 100);
    }
    s.plugin->NormalizeScore(cs, feasible, absl::MakeSpan(scores));
    for (size_t i = 0; i < feasible.size(); ++i) {
      total[i] += s.weight * std::clamp<int64_t>(scores[i], 0, 100);
    }
  }
  cs.SetProposerRank(CycleState::kUnranked);
  size_t best = 0;
  for (size_t i = 1; i < feasible.size(); ++i) {
    if (total[i] > total[best] || (total[i] == total[best] && feasible[i] < feasible[best])) {
      best = i;
    }
  }
  return feasible[best];
}

bool FrameworkScheduler::RunPreScores(CycleState& cs, const std::vector<NodeIndex>& feasible,
                                      FlavorExplanation* ex) {
  std::vector<bool>& skip = prescore_skip_;
  skip.assign(prescorers_.size(), false);
  for (size_t p = 0; p < prescorers_.size(); ++p) {
    Decision d = prescorers_[p].plugin->PreScore(cs, feasible);
    if (d.verdict == Verdict::kSkip) {
      skip[p] = true;
      continue;
    }
    if (d.verdict == Verdict::kFit) continue;
    // kWait is not a PreScore outcome: treat it like any other refusal.
    if (ex != nullptr) {
      const int32_t n = static_cast<int32_t>(feasible.size());
      ex->nodes_feasible = 0;
      ex->reasons.assign(
          1, {d.reason == RejectReason::kNone ? RejectReason::kPluginError : d.reason, n});
      ex->by_plugin[prescorers_[p].name] += n;
      ex->outcome = RejectReason::kPluginError;
      ex->detail = absl::StrCat("prescore ", prescorers_[p].name, ": ",
                                d.detail.empty() ? "refused" : d.detail);
    }
    return false;
  }
  for (size_t k = 0; k < scorers_.size(); ++k) {
    score_skip_[k] = scorers_[k].prescore >= 0 && skip[scorers_[k].prescore];
  }
  return true;
}

absl::StatusOr<AllocationId> FrameworkScheduler::Reserve(CycleState& cs, NodeIndex node) {
  const DemandSpec& d = cs.demand();
  AllocationRequest r;
  r.task = TaskRef{cs.job().id, cs.group(), cs.task()};
  r.node = node;
  r.cpu = d.cpu;
  r.memory = d.memory;
  r.priority = cs.job().priority;
  r.preemptible = cs.job().preemptible;
  if (!d.is_cpu_only()) {
    // A score plugin may defer its device pick to the chosen node (openb
    // speed, issue #6); it competes with per-node proposals by rank.
    // The best-ranked pick wins (cycle_state.h); a deferred pick that comes
    // back empty falls back to the node's proposal.
    std::vector<int32_t> deferred;
    const DeviceProposal* p = cs.Proposal(node);
    if (cs.device_chooser() != nullptr && (p == nullptr || p->rank >= cs.device_chooser_rank())) {
      deferred = cs.device_chooser()->ChooseDevices(cs, cluster_.view(node));
    }
    if (!deferred.empty()) {
      r.devices = std::move(deferred);
    } else if (p != nullptr) {
      r.devices = p->devices;
    } else {
      ChooseResult c = plugins::ChooseGeneric(cluster_.view(node), d);
      if (!c.ok)
        return absl::InternalError(absl::StrCat("no devices for a feasible node: ", c.detail));
      r.devices = std::move(c.devices);
    }
    std::sort(r.devices.begin(), r.devices.end());
    const size_t want = d.is_fractional() ? 1 : static_cast<size_t>(d.card_count());
    if (r.devices.size() != want) {
      return absl::InternalError(absl::StrCat("device pick for node '", cluster_.spec(node).name,
                                              "' has ", r.devices.size(),
                                              " devices, the task needs ", want));
    }
    r.share = d.is_fractional() ? d.devices : MilliDevices::FromRaw(kMilliPerDevice);
    r.device_memory = d.is_fractional() ? d.device_memory : MiB::Zero();
  }
  return cluster_.Assume(std::move(r));
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
  if (options_.adapters != nullptr && !b.devices.empty()) {
    NodeView v = cluster_.view(a.request.node);
    if (const DeviceAdapter* ad = plugins::AdapterForNode(handle_, v)) {
      // Visibility names devices by UUID: the one caller needing identities.
      b.visibility = ad->VisibilityFor(cluster_.SpecWithIdentity(a.request.node), b.devices);
    }
  }
  return b;
}

void FrameworkScheduler::CommitJob(JobRecord& j, CycleResult& out) {
  pending_.erase(j.sequence);
  SetState(j, JobState::kRunning);
  j.started = options_.clock->Now();
  j.backing_off = false;
  j.backoff = absl::ZeroDuration();
  j.live_tasks = 0;
  Usage& tenant = tenant_usage_[j.spec.tenant];
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
      out.placed.push_back(MakeBinding(j, g, t, *a));
    }
  }
  TrackIncomplete(j);
  if (incomplete_.contains(j.sequence)) {
    j.last_reject = "running; replicas beyond min_available wait for capacity";
  }
}

void FrameworkScheduler::PlaceMissingReplicas(JobRecord& j, const Reservation& reservation,
                                              CycleResult& out) {
  const absl::Time now = options_.clock->Now();
  const TenantQuotaSpec* q = Quota(j.spec.tenant);
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
          !BackfillAllowsMilli(j, fl.device_models, fl.demand.devices.raw(), reservation)) {
        blocked = true;
        break;
      }
      cs.set_task(t);
      cs.ClearProposals();
      NodeIndex node = FindNode(cs, nullptr);
      if (node == kNoNode) {
        blocked = true;
        break;
      }
      absl::StatusOr<AllocationId> id = Reserve(cs, node);
      if (!id.ok()) {
        spdlog::warn("reserve failed for an extra replica of {}: {}", j.spec.id,
                     id.status().ToString());
        blocked = true;
        break;
      }
      const Allocation* a = cluster_.FindAllocation(*id);
      const int32_t model = cluster_.runtime(node).model;
      if (q != nullptr && !q->max.empty()) {
        Usage add;
        internal::ChargeAllocation(*options_.catalog, model, j.spec.kind, a->request, +1, add);
        if (!internal::ExceedsMax(*q, QuotaBase(j), add).empty()) {
          MC_CHECK(cluster_.Forget(*id).ok());
          blocked = true;
          break;
        }
      }
      MC_CHECK(cluster_.Bind(*id).ok());
      internal::ChargeAllocation(*options_.catalog, model, j.spec.kind, a->request, +1, j.charged);
      internal::ChargeAllocation(*options_.catalog, model, j.spec.kind, a->request, +1,
                                 tenant_usage_[j.spec.tenant]);
      j.allocs[g][t] = *id;
      ++j.live_tasks;
      ++placed;
      out.placed.push_back(MakeBinding(j, g, t, *a));
      gang_nodes.push_back(node);
      cs.SetGang(gang_nodes, fl.replicas);
    }
  }
  TrackIncomplete(j);
  if (!incomplete_.contains(j.sequence)) {
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
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job '", id, "' not found"));
  return ToView(*it->second);
}

std::vector<JobView> FrameworkScheduler::ListJobs() const {
  std::vector<JobView> out;
  out.reserve(by_sequence_.size());
  for (const auto& [seq, j] : by_sequence_) out.push_back(ToView(*j));
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
