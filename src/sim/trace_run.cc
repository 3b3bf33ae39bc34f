#include "manychip/sim/trace_run.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "manychip/clock.h"
#include "manychip/core/normalized_units.h"
#include "manychip/core/scheduler.h"
#include "manychip/status.h"
#include "src/sim/run_metrics.h"

namespace manychip::sim {
namespace {

using internal::Summarize;

// Event kinds at one instant, in processing order.
// kRetry only runs a cycle: a job that failed to fit backs off in the core
// and may need a cycle after its back-off when no other event comes.
enum EventKind : int { kEnd = 0, kRecover = 1, kFault = 2, kRetry = 3 };
using Event = std::tuple<int64_t, int, int64_t>;  // time, kind, job or fault index

// One placed task of a job.
struct BoundTask {
  TaskRef ref;
  NodeIndex node = 0;
  std::vector<int32_t> devices;
  int32_t model = -1;   // catalog index; -1 for a CPU-only task
  int32_t vendor = -1;  // index into the vendor list
  int32_t flavor = 0;
  int64_t milli = 0;  // milli-devices held: share x devices
};

struct JobRun {
  const TraceJob* job = nullptr;
  std::vector<BoundTask> tasks;
  int64_t start = -1;  // first placement
  int64_t end = -1;    // completion or service end
  // Training/batch: remaining work in milli reference-card seconds; rate in
  // milli reference cards; progress integrated up to `since`.
  int64_t remaining = 0;
  int64_t rate = 0;
  int64_t peak = 0;  // catalog peak of the held cards, same unit as rate
  int64_t since = 0;
  int64_t done_at = -1;  // scheduled completion, -1 = none
  bool finite = false;   // has an amount of work (or a fixed duration)
  // Inference: capacity within the SLO (milli req/s) and served totals.
  int64_t capacity = 0;
  int64_t served = 0;
  int64_t offered = 0;
  bool service_over = false;
};

bool IsService(const TraceJob& t) {
  return t.spec.kind == JobKind::kInference && t.inference.request_rate_milli > 0;
}

class Replay {
 public:
  Replay(const TraceRunOptions& o, std::vector<TraceJob>& jobs, Scheduler& s, FakeClock& clock)
      : o_(o), jobs_(jobs), s_(s), clock_(clock) {}

  absl::StatusOr<TraceRunResult> Run();

 private:
  absl::Status Setup();
  absl::Status ApplyFault(int64_t index, bool fail);
  absl::Status EndJob(int32_t j);
  // True when the cycle placed something.
  bool ApplyCycle(const CycleResult& c);
  void Integrate(JobRun& r);  // progress / served requests up to now_
  void Recompute(int32_t j);  // rate, capacity and completion after a change
  void Sample(int64_t t);
  void Finish(TraceRunResult& r);

  const TraceRunOptions& o_;
  std::vector<TraceJob>& jobs_;
  Scheduler& s_;
  FakeClock& clock_;
  const Catalog* catalog_ = nullptr;
  int64_t now_ = 0;
  int64_t first_ = 0;
  std::vector<JobRun> runs_;
  absl::flat_hash_map<std::string, int32_t> index_;  // job id -> index; lookups only
  std::set<Event> events_;
  std::set<int32_t> active_;  // jobs holding tasks, ordered
  std::set<int32_t> failed_over_;
  std::set<int32_t> waiting_;             // submitted, holding no task, not ended
  std::vector<std::string> vendors_;      // sorted
  std::vector<int32_t> vendor_of_model_;  // catalog index -> vendor index
  std::vector<NodeIndex> fault_node_;     // per fault
  std::vector<bool> installed_;           // per catalog model: the cluster has some
  std::vector<int64_t> work_by_vendor_;   // milli reference-card seconds
  TraceRunResult r_;
  int64_t step_ = 1;
  int64_t retry_seconds_ = 60;
};

absl::Status Replay::Setup() {
  catalog_ = o_.catalog.get();
  for (const DeviceModelSpec& m : catalog_->models()) vendors_.push_back(m.vendor);
  std::sort(vendors_.begin(), vendors_.end());
  vendors_.erase(std::unique(vendors_.begin(), vendors_.end()), vendors_.end());
  for (const DeviceModelSpec& m : catalog_->models()) {
    vendor_of_model_.push_back(static_cast<int32_t>(
        std::lower_bound(vendors_.begin(), vendors_.end(), m.vendor) - vendors_.begin()));
  }
  work_by_vendor_.assign(vendors_.size(), 0);
  for (const NodeSpec& n : o_.nodes) MC_RETURN_IF_ERROR(s_.AddNode(n));
  installed_.assign(catalog_->size(), false);
  for (const NodeSpec& n : o_.nodes) {
    for (const DeviceSpec& d : n.devices) {
      r_.by_vendor[vendors_[vendor_of_model_[d.model]]].cards += 1;
      installed_[d.model] = true;
    }
  }
  runs_.resize(jobs_.size());
  index_.reserve(jobs_.size());
  for (size_t i = 0; i < jobs_.size(); ++i) {
    const TraceJob& t = jobs_[i];
    if (!index_.emplace(t.spec.id, static_cast<int32_t>(i)).second) {
      return absl::InvalidArgumentError(absl::StrCat("run: duplicate job id '", t.spec.id, "'"));
    }
    JobRun& r = runs_[i];
    r.job = &t;
    if (IsService(t)) {
      ++r_.services;
      r.since = t.submit_seconds;
      if (t.duration_seconds >= 0) {
        events_.insert({t.submit_seconds + t.duration_seconds, kEnd, static_cast<int64_t>(i)});
      }
    } else if (t.work > 0) {
      r.finite = true;
      r.remaining = t.work * 1000;
    } else if (t.duration_seconds >= 0) {
      r.finite = true;
      r.remaining = t.duration_seconds * 1000;  // at a fixed rate of 1000
    }
  }
  const ClusterState& cs = s_.cluster();
  for (size_t i = 0; i < o_.faults.size(); ++i) {
    const FaultEvent& f = o_.faults[i];
    auto n = cs.FindNode(f.node);
    if (!n.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("faults[", i, "].node: no node named \"", f.node, "\" in the cluster"));
    }
    if (f.device >= cs.runtime(*n).device_count) {
      return absl::InvalidArgumentError(
          absl::StrCat("faults[", i, "].device: node \"", f.node, "\" has no device ", f.device));
    }
    fault_node_.push_back(*n);
    events_.insert({f.at_seconds, kFault, static_cast<int64_t>(i)});
    if (f.recover_at_seconds >= 0) {
      events_.insert({f.recover_at_seconds, kRecover, static_cast<int64_t>(i)});
    }
  }
  return absl::OkStatus();
}

void Replay::Integrate(JobRun& r) {
  const int64_t dt = now_ - r.since;
  r.since = now_;
  if (dt <= 0) return;
  if (IsService(*r.job)) {
    if (r.service_over) return;
    const int64_t rate = r.job->inference.request_rate_milli;
    r.offered += rate * dt;
    r.served += std::min(rate, r.capacity) * dt;
    return;
  }
  if (r.rate <= 0 || r.tasks.empty()) return;
  const int64_t progress = r.finite ? std::min(r.remaining, r.rate * dt) : r.rate * dt;
  if (r.finite) r.remaining -= progress;
  if (r.job->work > 0 && r.peak > 0) {
    // Attribute the work to the vendors of the held cards, pro rata.
    int64_t held = 0;
    for (const BoundTask& b : r.tasks) held += b.milli;
    for (const BoundTask& b : r.tasks) {
      if (b.vendor >= 0 && held > 0) work_by_vendor_[b.vendor] += progress * b.milli / held;
    }
  }
}

void Replay::Recompute(int32_t j) {
  JobRun& r = runs_[j];
  const TraceJob& t = *r.job;
  const JobKind kind = t.spec.kind;
  r.rate = 0;
  r.peak = 0;
  r.capacity = 0;
  if (r.done_at >= 0) {
    events_.erase({r.done_at, kEnd, j});
    r.done_at = -1;
  }
  if (r.tasks.empty()) {
    active_.erase(j);
    if (r.end < 0) waiting_.insert(j);
    return;
  }
  active_.insert(j);
  waiting_.erase(j);
  const bool service = IsService(t);
  // Per group: tasks bound, slowest model factor, flavor.
  const size_t groups = t.spec.task_groups.size();
  std::vector<int32_t> bound(groups, 0), flavor(groups, 0);
  std::vector<int64_t> slowest(groups, INT64_MAX);
  for (const BoundTask& b : r.tasks) {
    const int32_t g = b.ref.group;
    ++bound[g];
    flavor[g] = b.flavor;
    const int64_t f = CardUnits(*catalog_, b.model, kind);
    slowest[g] = std::min(slowest[g], f);
    r.peak += DeviceUnits(*catalog_, b.model, kind, b.milli);
    if (service) {
      const FlavorSpec& fl = t.spec.task_groups[g].flavors[b.flavor];
      const int64_t milli = fl.demand.devices.raw();
      // Normalized size of this replica (milli reference cards) and the
      // speed of one of its cards.
      int64_t size = DeviceUnits(*catalog_, b.model, kind, milli);
      int64_t card = f;
      if (fl.expected_throughput > 0) {
        size = fl.expected_throughput / fl.replicas;
        card = milli > 0 ? fl.expected_throughput * 1000 / (milli * fl.replicas) : card;
      }
      const InferenceLoad& load = t.inference;
      const bool meets =
          t.spec.latency_slo_ms <= 0 || load.reference_latency_ms <= 0 ||
          (card > 0 && load.reference_latency_ms * 1000 / card <= t.spec.latency_slo_ms);
      if (meets) r.capacity += size * load.reference_capacity_milli / 1000;
    }
  }
  if (service) return;
  if (!r.finite) {
    r.rate = 1000;
    return;
  }
  if (t.work <= 0) {
    r.rate = 1000;  // fixed duration
  } else {
    int64_t rate = INT64_MAX;
    for (size_t g = 0; g < groups; ++g) {
      if (bound[g] == 0) continue;
      const FlavorSpec& fl = t.spec.task_groups[g].flavors[flavor[g]];
      int64_t gr = 0;
      if (fl.expected_throughput > 0) {
        gr = fl.expected_throughput * bound[g] / std::max(1, fl.replicas);
      } else {
        // 0 only for a CPU-only flavor, which the workload reader rejects
        // for a job with work (normalized_units.h).
        gr = slowest[g] * fl.demand.devices.raw() / kMilliPerDevice * bound[g];
      }
      rate = std::min(rate, gr);
    }
    r.rate = std::max<int64_t>(1, rate == INT64_MAX ? 1 : rate);
  }
  r.done_at = now_ + (r.remaining + r.rate - 1) / r.rate;
  events_.insert({r.done_at, kEnd, j});
}

absl::Status Replay::EndJob(int32_t j) {
  JobRun& r = runs_[j];
  Integrate(r);
  const bool service = IsService(*r.job);
  if (service) r.service_over = true;
  if (service && r.tasks.empty()) {
    // Still waiting (never placed, or queued again after a failover):
    // withdraw it so it does not start after its lifetime.
    MC_RETURN_IF_ERROR(s_.Cancel(r.job->spec.id));
  }
  for (const BoundTask& b : r.tasks) MC_RETURN_IF_ERROR(s_.ReportTaskExit(b.ref, true));
  r.tasks.clear();
  r.done_at = -1;
  r.end = now_;
  active_.erase(j);
  waiting_.erase(j);
  if (!service) ++r_.completed;
  return absl::OkStatus();
}

absl::Status Replay::ApplyFault(int64_t index, bool fail) {
  const FaultEvent& f = o_.faults[index];
  if (fail) {
    ++r_.faults;
    // The gangs holding the failed node or device stop whole; remember them
    // so their stops count as failovers, not preemptions.
    for (int32_t j : active_) {
      for (const BoundTask& b : runs_[j].tasks) {
        if (b.node == fault_node_[index] &&
            (f.device < 0 ||
             std::find(b.devices.begin(), b.devices.end(), f.device) != b.devices.end())) {
          failed_over_.insert(j);
          break;
        }
      }
    }
  }
  if (f.device < 0) return s_.SetNodeReady(f.node, !fail);
  return s_.SetDeviceHealth(f.node, f.device, !fail, fail ? "simulated fault" : "");
}

bool Replay::ApplyCycle(const CycleResult& c) {
  std::set<int32_t> touched;
  for (const TaskRef& stopped : c.to_stop) {
    auto it = index_.find(stopped.job_id);
    if (it == index_.end()) continue;
    JobRun& r = runs_[it->second];
    auto b = std::find_if(r.tasks.begin(), r.tasks.end(),
                          [&](const BoundTask& x) { return x.ref == stopped; });
    if (b == r.tasks.end()) continue;
    if (!touched.contains(it->second)) Integrate(r);
    touched.insert(it->second);
    r.tasks.erase(b);
    ++(failed_over_.contains(it->second) ? r_.failovers : r_.preemptions);
  }
  const ClusterState& cs = s_.cluster();
  for (const Binding& b : c.placed) {
    auto it = index_.find(b.task.job_id);
    if (it == index_.end()) continue;
    JobRun& r = runs_[it->second];
    if (!touched.contains(it->second)) Integrate(r);
    touched.insert(it->second);
    BoundTask t;
    t.ref = b.task;
    t.flavor = b.flavor;
    t.devices = b.devices;
    auto n = cs.FindNode(b.node);
    if (n.ok()) t.node = *n;
    if (n.ok() && !b.devices.empty()) {
      t.model = cs.spec(*n).devices[b.devices.front()].model;
      t.vendor = vendor_of_model_[t.model];
    }
    t.milli = b.share.raw() * static_cast<int64_t>(b.devices.size());
    r.tasks.push_back(std::move(t));
    if (r.start < 0) {
      r.start = now_;
      ++r_.started;
    }
  }
  for (int32_t j : touched) Recompute(j);
  failed_over_.clear();
  return !c.placed.empty();
}

void Replay::Sample(int64_t t) {
  const ClusterState& cs = s_.cluster();
  const int32_t models = catalog_->size();
  std::vector<int64_t> used(models, 0), cap(models, 0);
  std::vector<int64_t> vused(vendors_.size(), 0), vcap(vendors_.size(), 0),
      vuseful(vendors_.size(), 0);
  for (NodeIndex n = 0; n < cs.node_count(); ++n) {
    if (!cs.runtime(n).alive || !cs.runtime(n).ready) continue;
    NodeView v = cs.view(n);
    const auto free = v.device_free();
    for (size_t d = 0; d < free.size(); ++d) {
      if (!v.device_healthy(static_cast<int32_t>(d))) continue;
      const int32_t m = v.spec().devices[d].model;
      used[m] += kMilliPerDevice - free[d].raw();
      cap[m] += kMilliPerDevice;
    }
  }
  for (int32_t j : active_) {
    const JobRun& r = runs_[j];
    // Efficiency in permille: delivered / peak for training, served load /
    // capacity for services, 1 for fixed-duration work.
    int64_t eff = 1000;
    if (IsService(*r.job)) {
      eff = r.capacity > 0
                ? std::min(r.job->inference.request_rate_milli, r.capacity) * 1000 / r.capacity
                : 0;
      // Capacity counts only SLO-meeting replicas: held cards that miss the
      // SLO do no useful work.
    } else if (r.job->work > 0 && r.peak > 0) {
      eff = std::min<int64_t>(1000, r.rate * 1000 / r.peak);
    }
    for (const BoundTask& b : r.tasks) {
      if (b.vendor >= 0) vuseful[b.vendor] += b.milli * eff / 1000;
    }
  }
  for (int32_t m = 0; m < models; ++m) {
    vused[vendor_of_model_[m]] += used[m];
    vcap[vendor_of_model_[m]] += cap[m];
  }
  r_.sample_seconds.push_back(t - first_);
  auto pct = [](int64_t a, int64_t b) {
    return b > 0 ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  for (int32_t m = 0; m < models; ++m) {
    if (installed_[m]) r_.alloc_pct_by_model[catalog_->model(m).id].push_back(pct(used[m], cap[m]));
  }
  for (size_t v = 0; v < vendors_.size(); ++v) {
    if (!r_.by_vendor.contains(vendors_[v])) continue;
    r_.alloc_pct_by_vendor[vendors_[v]].push_back(pct(vused[v], vcap[v]));
    r_.util_pct_by_vendor[vendors_[v]].push_back(pct(vuseful[v], vcap[v]));
  }
}

void Replay::Finish(TraceRunResult& r) {
  std::vector<int64_t> queueing, jct;
  int64_t last_end = first_, last_any = first_;
  for (const JobRun& run : runs_) {
    const TraceJob& t = *run.job;
    const bool service = IsService(t);
    if (service) {
      r.requests_offered_milli += run.offered;
      r.requests_within_slo_milli += run.served;
      if (run.offered == 0 || run.served * 100 >= run.offered * 99) ++r.services_meeting_slo;
    }
    if (run.end >= 0) last_any = std::max(last_any, run.end);
    if (run.start < 0) {
      ++r.never_started;
      continue;
    }
    queueing.push_back(run.start - t.submit_seconds);
    if (!service && run.end >= 0) {
      jct.push_back(run.end - t.submit_seconds);
      last_end = std::max(last_end, run.end);
    }
  }
  r.queueing_seconds = Summarize(std::move(queueing));
  r.jct_seconds = Summarize(std::move(jct));
  r.makespan_seconds = (r.completed > 0 ? last_end : last_any) - first_;
  if (r.requests_offered_milli > 0) {
    r.slo_attainment_pct = 100.0 * static_cast<double>(r.requests_within_slo_milli) /
                           static_cast<double>(r.requests_offered_milli);
  }
  for (size_t v = 0; v < vendors_.size(); ++v) {
    auto it = r.by_vendor.find(vendors_[v]);
    if (it == r.by_vendor.end()) continue;
    it->second.work_done = work_by_vendor_[v] / 1000;
    it->second.mean_alloc_pct = internal::Mean(r.alloc_pct_by_vendor[vendors_[v]]);
    it->second.mean_util_pct = internal::Mean(r.util_pct_by_vendor[vendors_[v]]);
  }
}

absl::StatusOr<TraceRunResult> Replay::Run() {
  MC_RETURN_IF_ERROR(Setup());
  r_.jobs = static_cast<int64_t>(jobs_.size());
  first_ = jobs_.empty() ? 0 : jobs_.front().submit_seconds;
  retry_seconds_ = std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(o_.profile.backoff_max, absl::Seconds(1))));
  if (!o_.faults.empty() && !events_.empty())
    first_ = std::min(first_, std::get<0>(*events_.begin()));
  const int64_t last_submit = jobs_.empty() ? first_ : jobs_.back().submit_seconds;
  step_ = std::max<int64_t>(1, (last_submit - first_) / std::max(1, o_.samples));
  int64_t next_sample = first_;
  size_t next = 0;
  const size_t max_samples = 4 * static_cast<size_t>(std::max(1, o_.samples));
  while (next < jobs_.size() || !events_.empty()) {
    int64_t t = next < jobs_.size() ? jobs_[next].submit_seconds : INT64_MAX;
    if (!events_.empty()) t = std::min(t, std::get<0>(*events_.begin()));
    while (next_sample <= t) {
      Sample(next_sample);
      next_sample += step_;
      if (r_.sample_seconds.size() >= max_samples) {
        // A long tail after the last arrival: halve the resolution.
        internal::Decimate(r_);
        step_ *= 2;
        next_sample = first_ + r_.sample_seconds.back() + step_;
      }
    }
    now_ = t;
    clock_.Set(absl::FromUnixSeconds(now_));
    bool changed = false;
    while (!events_.empty() && std::get<0>(*events_.begin()) == now_) {
      const auto [time, kind, index] = *events_.begin();
      events_.erase(events_.begin());
      if (kind == kRetry) continue;
      changed = true;
      if (kind == kEnd) {
        MC_RETURN_IF_ERROR(EndJob(static_cast<int32_t>(index)));
      } else {
        MC_RETURN_IF_ERROR(ApplyFault(index, kind == kFault));
      }
    }
    while (next < jobs_.size() && jobs_[next].submit_seconds == now_) {
      auto s = s_.Submit(jobs_[next].spec);
      if (!s.ok()) {
        return absl::Status(s.code(),
                            absl::StrCat("job '", jobs_[next].spec.id, "': ", s.message()));
      }
      waiting_.insert(static_cast<int32_t>(next));
      changed = true;
      ++next;
    }
    const bool placed = ApplyCycle(s_.RunCycle());
    if (!waiting_.empty() && (changed || placed)) {
      // Every backed-off job is eligible again after backoff_max; one retry
      // per change bounds the extra cycles.
      events_.insert({now_ + retry_seconds_, kRetry, 0});
    }
    if (o_.progress) o_.progress(static_cast<int64_t>(next), r_.jobs);
  }
  if (r_.sample_seconds.empty() || first_ + r_.sample_seconds.back() < now_) Sample(now_);
  // Services without an end run until the last event.
  for (JobRun& run : runs_) {
    if (IsService(*run.job) && !run.service_over) Integrate(run);
  }
  Finish(r_);
  return std::move(r_);
}

}  // namespace

absl::StatusOr<std::vector<TraceJob>> TraceJobsFromOpenbPods(const std::vector<OpenbPod>& pods,
                                                             const Catalog& catalog) {
  std::vector<int32_t> all;
  for (int32_t i = 0; i < catalog.size(); ++i) all.push_back(i);
  std::vector<TraceJob> out;
  out.reserve(pods.size());
  for (const OpenbPod& p : pods) {
    if (!p.creation_time.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("pod '", p.name, "' (line ", p.line, "): creation_time: required"));
    }
    TraceJob t;
    t.submit_seconds = *p.creation_time;
    if (p.deletion_time.has_value()) {
      const int64_t from = p.scheduled_time.value_or(*p.creation_time);
      if (*p.deletion_time < from) {
        return absl::InvalidArgumentError(
            absl::StrCat("pod '", p.name, "' (line ", p.line, "): deletion_time before its start"));
      }
      t.duration_seconds = *p.deletion_time - from;
    }
    t.spec = PodToJobSpec(p, all, "trace", p.num_gpu > 0 ? JobKind::kTraining : JobKind::kBatch);
    out.push_back(std::move(t));
  }
  return out;
}

absl::StatusOr<TraceRunResult> RunTrace(const TraceRunOptions& options,
                                        std::vector<TraceJob> jobs) {
  const auto wall_start = std::chrono::steady_clock::now();
  if (options.catalog == nullptr) return absl::InvalidArgumentError("run: catalog is required");
  std::stable_sort(jobs.begin(), jobs.end(), [](const TraceJob& a, const TraceJob& b) {
    return a.submit_seconds < b.submit_seconds;
  });
  FakeClock clock(absl::UnixEpoch());
  SchedulerOptions so;
  so.catalog = options.catalog;
  so.clock = &clock;
  so.profile = options.profile;
  so.seed = options.seed;
  MC_ASSIGN_OR_RETURN(std::unique_ptr<Scheduler> scheduler, Scheduler::Create(std::move(so)));
  Replay replay(options, jobs, *scheduler, clock);
  MC_ASSIGN_OR_RETURN(TraceRunResult r, replay.Run());
  r.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return r;
}

std::string TraceRunJson(const TraceRunResult& r, bool with_wall) {
  return internal::RunResultJson(r, with_wall);
}

}  // namespace manychip::sim
