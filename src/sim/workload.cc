#include "manychip/sim/workload.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "manychip/status.h"
#include "manychip/v1/workload.pb.h"

namespace manychip::sim {
namespace {

absl::Status NonNegative(const std::string& path, int64_t v) {
  if (v >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(path, ": must be >= 0, got ", v));
}

// Work and service capacity are in normalized units, and a CPU-only flavor
// has none (normalized_units.h): its run time or capacity would be a made-up
// figure, so such a job must run for a fixed duration instead.
absl::Status NoCpuOnlyFlavor(const JobSpec& job, const std::string& path) {
  for (size_t g = 0; g < job.task_groups.size(); ++g) {
    const TaskGroupSpec& group = job.task_groups[g];
    for (size_t f = 0; f < group.flavors.size(); ++f) {
      if (!group.flavors[f].demand.is_cpu_only()) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          path, ".job.task_groups[", g, "].flavors[", f,
          "]: a CPU-only flavor has no normalized throughput; a job with work or an inference "
          "load needs devices (give a CPU-only job duration_seconds and no work)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TraceJob> JobFrom(const v1::WorkloadJob& p, const Catalog& catalog,
                                 const std::string& path) {
  TraceJob t;
  MC_RETURN_IF_ERROR(NonNegative(path + ".submit_seconds", p.submit_seconds()));
  MC_RETURN_IF_ERROR(NonNegative(path + ".work", p.work()));
  t.submit_seconds = p.submit_seconds();
  t.work = p.work();
  auto spec = codec::JobFromProto(p.job(), catalog);
  if (!spec.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ".job.", spec.status().message()));
  }
  t.spec = *std::move(spec);
  if (t.spec.id.empty()) return absl::InvalidArgumentError(path + ".job.id: required");
  const int64_t duration = absl::ToInt64Seconds(t.spec.duration);
  t.duration_seconds = duration > 0 ? duration : -1;
  const v1::InferenceLoad& load = p.inference_load();
  const bool has_load = p.has_inference_load();
  if (t.spec.kind == JobKind::kInference) {
    const std::string lp = path + ".inference_load";
    if (!has_load) return absl::InvalidArgumentError(lp + ": required for INFERENCE jobs");
    if (load.request_rate_milli() <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(lp, ".request_rate_milli: must be > 0, got ", load.request_rate_milli()));
    }
    if (load.reference_capacity_milli() <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          lp, ".reference_capacity_milli: must be > 0, got ", load.reference_capacity_milli()));
    }
    MC_RETURN_IF_ERROR(NonNegative(lp + ".reference_latency_ms", load.reference_latency_ms()));
    if (t.work > 0) {
      return absl::InvalidArgumentError(path +
                                        ".work: must be 0 for INFERENCE jobs (services "
                                        "run for job.duration_seconds)");
    }
    t.inference = {load.request_rate_milli(), load.reference_capacity_milli(),
                   load.reference_latency_ms()};
  } else if (has_load) {
    return absl::InvalidArgumentError(path + ".inference_load: only for INFERENCE jobs");
  }
  if (t.work > 0 || has_load) MC_RETURN_IF_ERROR(NoCpuOnlyFlavor(t.spec, path));
  return t;
}

}  // namespace

absl::StatusOr<Workload> WorkloadFromProto(const v1::Workload& proto, const Catalog& catalog) {
  Workload w;
  w.name = proto.name();
  w.jobs.reserve(proto.jobs_size());
  std::set<std::string> ids;
  for (int i = 0; i < proto.jobs_size(); ++i) {
    const std::string path = absl::StrCat("jobs[", i, "]");
    MC_ASSIGN_OR_RETURN(TraceJob t, JobFrom(proto.jobs(i), catalog, path));
    if (!ids.insert(t.spec.id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".job.id: duplicate id \"", t.spec.id, "\""));
    }
    w.jobs.push_back(std::move(t));
  }
  for (int i = 0; i < proto.faults_size(); ++i) {
    const v1::FaultEvent& f = proto.faults(i);
    const std::string path = absl::StrCat("faults[", i, "]");
    MC_RETURN_IF_ERROR(NonNegative(path + ".at_seconds", f.at_seconds()));
    if (f.node().empty()) return absl::InvalidArgumentError(path + ".node: required");
    if (f.has_device() && f.device() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".device: must be >= 0, got ", f.device()));
    }
    if (f.recover_at_seconds() != 0 && f.recover_at_seconds() <= f.at_seconds()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".recover_at_seconds: must be after at_seconds (", f.at_seconds(),
                       "), got ", f.recover_at_seconds(), "; 0 = never"));
    }
    FaultEvent e;
    e.at_seconds = f.at_seconds();
    e.node = f.node();
    e.device = f.has_device() ? f.device() : -1;
    e.recover_at_seconds = f.recover_at_seconds() > 0 ? f.recover_at_seconds() : -1;
    w.faults.push_back(std::move(e));
  }
  return w;
}

absl::StatusOr<Workload> LoadWorkloadFile(const std::string& path, const Catalog& catalog) {
  v1::Workload proto;
  MC_RETURN_IF_ERROR(codec::ReadJsonFile(path, &proto));
  auto w = WorkloadFromProto(proto, catalog);
  if (!w.ok()) {
    return absl::Status(w.status().code(), absl::StrCat(path, ": ", w.status().message()));
  }
  return w;
}

}  // namespace manychip::sim
