#pragma once

// Time-based replay (`manychip-sim run`): jobs arrive at their submit time,
// run for their duration once every task is placed, and complete; the
// scheduler core (any profile) runs a cycle after every batch of events at
// one instant, on a virtual clock. Reports queueing delay and JCT (mean,
// p50, p99), makespan, preemptions and device allocation over time per model.
//
// Thread-safety: RunTrace is reentrant; it owns its Scheduler.
//
//   MC_ASSIGN_OR_RETURN(auto jobs, TraceJobsFromOpenbPods(pods, *catalog));
//   MC_ASSIGN_OR_RETURN(TraceRunResult r, RunTrace(options, std::move(jobs)));

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "manychip/core/catalog.h"
#include "manychip/core/job.h"
#include "manychip/core/node.h"
#include "manychip/core/profile.h"
#include "manychip/sim/openb_trace.h"

namespace manychip::sim {

struct TraceJob {
  int64_t submit_seconds = 0;
  int64_t duration_seconds = -1;  // < 0: runs until the end of the replay
  JobSpec spec;
};

struct TraceRunOptions {
  std::shared_ptr<const Catalog> catalog;
  std::vector<NodeSpec> nodes;
  ProfileSpec profile;
  uint64_t seed = 42;
  int32_t samples = 200;  // points of the allocation-over-time series
  std::function<void(int64_t done, int64_t total)> progress;
};

struct Summary {
  int64_t count = 0;
  double mean = 0, p50 = 0, p99 = 0;
};

struct TraceRunResult {
  int64_t jobs = 0;
  int64_t started = 0;
  int64_t completed = 0;
  int64_t never_started = 0;
  int64_t preemptions = 0;       // tasks stopped by the scheduler
  Summary queueing_seconds;      // start - submit, started jobs
  Summary jct_seconds;           // end - submit, completed jobs
  int64_t makespan_seconds = 0;  // last completion - first submit
  // Allocation over time: at each sample time, allocated share of each model
  // (by catalog id) in % of that model's healthy capacity.
  std::vector<int64_t> sample_seconds;
  std::map<std::string, std::vector<double>> alloc_pct_by_model;
  double wall_seconds = 0;
};

// Jobs from an openb pod list: submit = creation_time, duration =
// deletion_time - (scheduled_time or creation_time); pods without a
// creation_time are InvalidArgument naming file line; GPU pods without a
// gpu_spec accept every catalog model.
absl::StatusOr<std::vector<TraceJob>> TraceJobsFromOpenbPods(const std::vector<OpenbPod>& pods,
                                                             const Catalog& catalog);

absl::StatusOr<TraceRunResult> RunTrace(const TraceRunOptions& options, std::vector<TraceJob> jobs);

// The `manychip-sim run --json` document.
std::string TraceRunJson(const TraceRunResult& r, bool with_wall = true);

}  // namespace manychip::sim
