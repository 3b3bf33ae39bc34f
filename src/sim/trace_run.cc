#include "manychip/sim/trace_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "manychip/clock.h"
#include "manychip/core/scheduler.h"
#include "manychip/status.h"
#include "src/sim/json_writer.h"

namespace manychip::sim {
namespace {

Summary Summarize(std::vector<int64_t> v) {
  Summary s;
  s.count = static_cast<int64_t>(v.size());
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (int64_t x : v) sum += static_cast<double>(x);
  s.mean = sum / static_cast<double>(v.size());
  // Nearest-rank percentiles.
  auto rank = [&](double q) {
    size_t k = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    return static_cast<double>(v[std::min(v.size() - 1, k == 0 ? 0 : k - 1)]);
  };
  s.p50 = rank(0.50);
  s.p99 = rank(0.99);
  return s;
}

struct JobTrack {
  const TraceJob* job = nullptr;
  int32_t tasks = 0;   // tasks in the job
  int32_t bound = 0;   // tasks currently placed
  int64_t start = -1;  // first time all tasks were placed
  int64_t end = -1;
  int64_t run_start = -1;  // start of the current run (after a preemption)
};

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
  for (const NodeSpec& n : options.nodes) MC_RETURN_IF_ERROR(scheduler->AddNode(n));

  // Capacity per model, for the allocation series.
  std::map<int32_t, int64_t> capacity;  // ordered: deterministic output
  for (const NodeSpec& n : options.nodes) {
    for (const DeviceSpec& d : n.devices) capacity[d.model] += d.healthy ? kMilliPerDevice : 0;
  }

  absl::flat_hash_map<std::string, JobTrack> track;  // lookups only
  for (const TraceJob& j : jobs) {
    JobTrack& t = track[j.spec.id];
    if (t.job != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("run: duplicate job id '", j.spec.id, "'"));
    }
    t.job = &j;
    for (const TaskGroupSpec& g : j.spec.task_groups) t.tasks += g.flavors.front().replicas;
  }

  TraceRunResult r;
  r.jobs = static_cast<int64_t>(jobs.size());
  // (time, job id): completions, ordered deterministically.
  std::set<std::pair<int64_t, std::string>> completions;
  const int64_t first = jobs.empty() ? 0 : jobs.front().submit_seconds;
  const int64_t last_submit = jobs.empty() ? 0 : jobs.back().submit_seconds;
  const int64_t step = std::max<int64_t>(1, (last_submit - first) / std::max(1, options.samples));
  int64_t next_sample = first;
  size_t next = 0;
  int64_t now = first;
  int64_t last_end = first;

  auto sample = [&](int64_t t) {
    std::map<int32_t, int64_t> used;
    const ClusterState& cs = scheduler->cluster();
    for (NodeIndex n = 0; n < cs.node_count(); ++n) {
      if (!cs.runtime(n).alive) continue;
      NodeView v = cs.view(n);
      const auto free = v.device_free();
      for (size_t d = 0; d < free.size(); ++d) {
        if (!v.device_healthy(static_cast<int32_t>(d))) continue;
        used[v.spec().devices[d].model] += kMilliPerDevice - free[d].raw();
      }
    }
    r.sample_seconds.push_back(t - first);
    for (const auto& [model, cap] : capacity) {
      const double pct =
          cap > 0 ? 100.0 * static_cast<double>(used[model]) / static_cast<double>(cap) : 0.0;
      r.alloc_pct_by_model[options.catalog->model(model).id].push_back(pct);
    }
  };

  while (next < jobs.size() || !completions.empty()) {
    int64_t t = next < jobs.size() ? jobs[next].submit_seconds : INT64_MAX;
    if (!completions.empty()) t = std::min(t, completions.begin()->first);
    while (next_sample <= t && next_sample <= last_submit) {
      sample(next_sample);
      next_sample += step;
    }
    now = t;
    clock.Set(absl::FromUnixSeconds(now));
    while (!completions.empty() && completions.begin()->first == now) {
      const std::string id = completions.begin()->second;
      completions.erase(completions.begin());
      JobTrack& jt = track[id];
      MC_ASSIGN_OR_RETURN(JobView view, scheduler->GetJob(id));
      for (const Binding& b : view.bindings) {
        MC_RETURN_IF_ERROR(scheduler->ReportTaskExit(b.task, true));
      }
      jt.end = now;
      last_end = std::max(last_end, now);
      ++r.completed;
    }
    while (next < jobs.size() && jobs[next].submit_seconds == now) {
      MC_RETURN_IF_ERROR(scheduler->Submit(jobs[next].spec));
      ++next;
    }
    CycleResult c = scheduler->RunCycle();
    for (const TaskRef& stopped : c.to_stop) {
      ++r.preemptions;
      JobTrack& jt = track[stopped.job_id];
      if (jt.bound > 0) --jt.bound;
      if (jt.run_start >= 0) {
        // The job is requeued; its pending completion no longer applies.
        const int64_t dur = jt.job->duration_seconds;
        if (dur >= 0) completions.erase({jt.run_start + dur, stopped.job_id});
        jt.run_start = -1;
      }
    }
    for (const Binding& b : c.placed) {
      JobTrack& jt = track[b.task.job_id];
      if (++jt.bound == jt.tasks && jt.run_start < 0) {
        jt.run_start = now;
        if (jt.start < 0) {
          jt.start = now;
          ++r.started;
        }
        if (jt.job->duration_seconds >= 0) {
          completions.insert({now + jt.job->duration_seconds, b.task.job_id});
        }
      }
    }
    if (options.progress) options.progress(static_cast<int64_t>(next), r.jobs);
  }

  std::vector<int64_t> queueing, jct;
  for (const TraceJob& j : jobs) {
    const JobTrack& jt = track[j.spec.id];
    if (jt.start < 0) {
      ++r.never_started;
      continue;
    }
    queueing.push_back(jt.start - j.submit_seconds);
    if (jt.end >= 0) jct.push_back(jt.end - j.submit_seconds);
  }
  r.queueing_seconds = Summarize(std::move(queueing));
  r.jct_seconds = Summarize(std::move(jct));
  r.makespan_seconds = last_end - first;
  r.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return r;
}

std::string TraceRunJson(const TraceRunResult& r, bool with_wall) {
  internal::JsonWriter w;
  w.BeginObject();
  w.Int("jobs", r.jobs);
  w.Int("started", r.started);
  w.Int("completed", r.completed);
  w.Int("never_started", r.never_started);
  w.Int("preemptions", r.preemptions);
  for (const auto& [name, s] :
       {std::pair<const char*, const Summary*>{"queueing_seconds", &r.queueing_seconds},
        {"jct_seconds", &r.jct_seconds}}) {
    w.BeginObject(name);
    w.Int("count", s->count);
    w.Double("mean", s->mean, 2);
    w.Double("p50", s->p50, 2);
    w.Double("p99", s->p99, 2);
    w.EndObject();
  }
  w.Int("makespan_seconds", r.makespan_seconds);
  w.BeginObject("allocation");
  w.IntArray("t_seconds", r.sample_seconds);
  w.BeginObject("pct_by_model");
  for (const auto& [model, v] : r.alloc_pct_by_model) w.DoubleArray(model, v, 2);
  w.EndObject();
  w.EndObject();
  if (with_wall) w.Double("wall_seconds", r.wall_seconds, 3);
  w.EndObject();
  return w.str() + "\n";
}

}  // namespace manychip::sim
