#pragma once

// Time-based replay (`manychip-sim run`) on a virtual clock. Events, in this
// order at one instant: completions and service ends, fault recoveries,
// faults, arrivals; then the scheduler core (any profile) runs one cycle and
// its stops and placements are applied.
//
// Job model (see workload.h):
//  - Training/batch jobs with `work` progress at the normalized throughput of
//    their placement, in milli reference cards: per task group the flavor's
//    `expected_throughput` when it gives one, else cards x the catalog factor
//    of the slowest model the gang landed on (a synchronous gang runs at its
//    straggler's pace); a job runs at its slowest group. Work-less jobs run
//    for their fixed duration. Units are those of normalized_units.h; a
//    CPU-only flavor has none, so a job with work or an inference load may
//    not offer one (the workload reader rejects it).
//  - Progress is kept across a preemption or failover (jobs checkpoint
//    continuously); the job queues again and resumes where it stopped.
//  - Inference services live from submit for their duration. Each placed
//    replica serves up to its capacity (cards x inference factor x the load's
//    reference capacity) when its latency on that model meets the SLO, else
//    nothing; requests above the capacity, and all requests while the
//    service waits, miss the SLO.
//
// Metrics: queueing delay (first start - submit, every started job), JCT
// (end - submit, completed training/batch jobs) as mean, p50, p99 (nearest
// rank); makespan (last training/batch completion - first submit; services
// when there is nothing else); SLO attainment (requests served within the
// SLO / offered, over all services); preemptions (tasks stopped by the
// scheduler for other work) and failovers (tasks stopped by a fault).
// Over time, per model and per vendor: allocation (allocated milli-devices in
// % of the healthy capacity) and per vendor utilization (allocated milli x
// the efficiency of the job using it, in % of the healthy capacity; the
// efficiency of a training job is its delivered throughput / the catalog
// peak of its cards, of a service its served load / its capacity).
//
// Integer accounting throughout; percentages are computed for the report
// only. Deterministic for the same input and seed.
//
// Thread-safety: RunTrace is reentrant; it owns its Scheduler.
//
//   MC_ASSIGN_OR_RETURN(Workload w, LoadWorkloadFile(path, *catalog));
//   options.faults = w.faults;
//   MC_ASSIGN_OR_RETURN(TraceRunResult r, RunTrace(options, std::move(w.jobs)));

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
#include "manychip/sim/workload.h"

namespace manychip::sim {

struct TraceRunOptions {
  std::shared_ptr<const Catalog> catalog;
  std::vector<NodeSpec> nodes;
  ProfileSpec profile;
  std::vector<FaultEvent> faults;
  uint64_t seed = 42;
  int32_t samples = 200;  // target points of the over-time series
  std::function<void(int64_t done, int64_t total)> progress;
};

struct Summary {
  int64_t count = 0;
  double mean = 0, p50 = 0, p99 = 0;
};

// Per vendor, over the whole replay.
struct VendorSummary {
  int64_t cards = 0;          // installed
  double mean_alloc_pct = 0;  // mean of the allocation series
  double mean_util_pct = 0;   // mean of the utilization series
  int64_t work_done = 0;      // reference-card seconds of training work done on it
};

struct TraceRunResult {
  int64_t jobs = 0;
  int64_t started = 0;
  int64_t completed = 0;  // training/batch jobs that finished
  int64_t never_started = 0;
  int64_t preemptions = 0;  // tasks stopped by the scheduler for other work
  int64_t failovers = 0;    // tasks stopped because their node or device failed
  int64_t faults = 0;       // fault events applied
  Summary queueing_seconds;
  Summary jct_seconds;
  int64_t makespan_seconds = 0;
  // Inference.
  int64_t services = 0;
  int64_t services_meeting_slo = 0;    // >= 99% of their requests within the SLO
  int64_t requests_offered_milli = 0;  // milli-requests
  int64_t requests_within_slo_milli = 0;
  double slo_attainment_pct = 100;  // within / offered; 100 without services
  // Over time (sample_seconds since the first arrival).
  std::vector<int64_t> sample_seconds;
  std::map<std::string, std::vector<double>> alloc_pct_by_model;
  std::map<std::string, std::vector<double>> alloc_pct_by_vendor;
  std::map<std::string, std::vector<double>> util_pct_by_vendor;
  std::map<std::string, VendorSummary> by_vendor;
  double wall_seconds = 0;
};

// Jobs from an openb pod list: submit = creation_time, duration =
// deletion_time - (scheduled_time or creation_time); pods without a
// creation_time are InvalidArgument naming file line; GPU pods without a
// gpu_spec accept every catalog model.
absl::StatusOr<std::vector<TraceJob>> TraceJobsFromOpenbPods(const std::vector<OpenbPod>& pods,
                                                             const Catalog& catalog);

// InvalidArgument on a duplicate job id, a fault naming an unknown node or
// device (`faults[i].node: ...`), or a job the scheduler rejects.
absl::StatusOr<TraceRunResult> RunTrace(const TraceRunOptions& options, std::vector<TraceJob> jobs);

// The `manychip-sim run --json` document.
std::string TraceRunJson(const TraceRunResult& r, bool with_wall = true);

}  // namespace manychip::sim
