#pragma once

// A simulator workload: jobs with arrival times and the work they carry, and
// fault events. Read from the project's JSON form (v1::Workload in
// proto/manychip/v1/workload.proto) or built from a trace.
//
// Training and batch jobs either carry `work` in reference-card seconds, so
// their run time depends on the normalized throughput of where they land, or
// a fixed duration. Inference jobs are services with an offered request rate
// and a latency SLO; the replay computes SLO attainment from the throughput
// and latency of their placement.
//
// Thread-safety: plain values; the loader is a free function.
//
//   MC_ASSIGN_OR_RETURN(Workload w, LoadWorkloadFile("w.json", *catalog));
//   options.faults = w.faults;
//   MC_ASSIGN_OR_RETURN(TraceRunResult r, RunTrace(options, std::move(w.jobs)));

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/core/catalog.h"
#include "manychip/core/job.h"

namespace manychip::v1 {
class Workload;
}

namespace manychip::sim {

// See InferenceLoad in workload.proto for the model.
struct InferenceLoad {
  int64_t request_rate_milli = 0;
  int64_t reference_capacity_milli = 0;
  int64_t reference_latency_ms = 0;
};

struct TraceJob {
  int64_t submit_seconds = 0;
  // Work-less jobs: run time once placed (< 0: until the end of the replay).
  // Inference services: lifetime from submit (< 0: until the end).
  int64_t duration_seconds = -1;
  // > 0: training/batch work in reference-card seconds.
  int64_t work = 0;
  InferenceLoad inference;  // kInference jobs only
  JobSpec spec;
};

// A node (device < 0) or one device fails at `at_seconds`; it recovers at
// `recover_at_seconds` (< 0: never).
struct FaultEvent {
  int64_t at_seconds = 0;
  std::string node;
  int32_t device = -1;
  int64_t recover_at_seconds = -1;
};

struct Workload {
  std::string name;
  std::vector<TraceJob> jobs;
  std::vector<FaultEvent> faults;
};

// Validates a parsed workload. InvalidArgument names the field path, e.g.
// `jobs[3].work: must be >= 0, got -5` or `jobs[7].job.task_groups[0]...`.
// Node names in faults are checked by the replay (it knows the cluster).
absl::StatusOr<Workload> WorkloadFromProto(const v1::Workload& proto, const Catalog& catalog);

// Reads and validates a workload JSON file; errors are prefixed with `path`.
absl::StatusOr<Workload> LoadWorkloadFile(const std::string& path, const Catalog& catalog);

}  // namespace manychip::sim
