#pragma once

// Helpers for the time-based replay tests: workloads written as the JSON a
// user would write, profiles from JSON, and a replay on the small core
// catalog (tests/testing: nvidia-h20 reference, nvidia-h100 training factor
// 6682, ppu-zw810e 811 training / 675 inference).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "manychip/codec/json.h"
#include "manychip/codec/profile.h"
#include "manychip/sim/trace_run.h"
#include "manychip/sim/workload.h"
#include "manychip/status.h"
#include "manychip/v1/workload.pb.h"

namespace manychip::sim::testing {

inline absl::StatusOr<Workload> ParseWorkload(const std::string& json, const Catalog& catalog) {
  v1::Workload proto;
  MC_RETURN_IF_ERROR(codec::ParseJson(json, "workload.json", &proto));
  return WorkloadFromProto(proto, catalog);
}

// A profile with queue_sort, taints (which also keeps failed nodes out),
// resource_fit, gang and the given extra plugin entries (JSON objects).
inline ProfileSpec ProfileWith(const std::vector<std::string>& extra) {
  std::string json =
      "{\"name\":\"test\",\"plugins\":[{\"name\":\"queue_sort\"},{\"name\":\"taints\"},"
      "{\"name\":\"resource_fit\"},"
      "{\"name\":\"gang\"}";
  for (const std::string& e : extra) absl::StrAppend(&json, ",", e);
  json += "]}";
  v1::SchedulerProfile proto;
  if (!codec::ParseJson(json, "profile", &proto).ok()) return ProfileSpec{};
  auto p = codec::ProfileFromProto(proto, nullptr);
  return p.ok() ? *p : ProfileSpec{};
}

inline ProfileSpec AwareProfile() {
  return ProfileWith({"{\"name\":\"throughput\",\"weight\":10}", "{\"name\":\"binpack\"}"});
}

struct JobArgs {
  std::string id;
  int64_t submit = 0;
  std::vector<std::string> models;
  int32_t replicas = 1;
  int64_t cards = 1;
  int64_t work = 0;
  int64_t duration = 0;
  int32_t priority = 0;
  bool preemptible = false;
};

// A training job entry of a workload's "jobs" array.
inline std::string TrainJob(const JobArgs& a) {
  return absl::StrCat(
      "{\"submit_seconds\":", a.submit, ",\"work\":", a.work, ",\"job\":{\"id\":\"", a.id,
      "\",\"tenant\":\"t\",\"kind\":\"TRAINING\",\"priority\":", a.priority,
      ",\"preemptible\":", a.preemptible ? "true" : "false", ",\"duration_seconds\":", a.duration,
      ",\"task_groups\":[{\"name\":\"g\",\"replicas\":", a.replicas, ",\"device_models\":[\"",
      absl::StrJoin(a.models, "\",\""), "\"],\"demand\":{\"milli_devices\":", a.cards * 1000,
      ",\"cpu_milli\":1000,\"memory_mib\":1024}}]}}");
}

struct ServiceArgs {
  std::string id;
  int64_t submit = 0;
  std::vector<std::string> models;
  int64_t lifetime = 1000;
  int64_t slo_ms = 100;
  int64_t rate_milli = 5000;
  int64_t capacity_milli = 10000;
  int64_t latency_ms = 80;
};

inline std::string Service(const ServiceArgs& a) {
  return absl::StrCat(
      "{\"submit_seconds\":", a.submit,
      ",\"inference_load\":{\"request_rate_milli\":", a.rate_milli,
      ",\"reference_capacity_milli\":", a.capacity_milli,
      ",\"reference_latency_ms\":", a.latency_ms, "},\"job\":{\"id\":\"", a.id,
      "\",\"tenant\":\"t\",\"kind\":\"INFERENCE\",\"duration_seconds\":", a.lifetime,
      ",\"inference\":{\"latency_slo_ms\":", a.slo_ms,
      "},\"task_groups\":[{\"name\":\"s\",\"replicas\":1,\"device_models\":[\"",
      absl::StrJoin(a.models, "\",\""),
      "\"],\"demand\":{\"milli_devices\":1000,\"cpu_milli\":1000,\"memory_mib\":1024}}]}}");
}

inline std::string WorkloadJson(const std::vector<std::string>& jobs,
                                const std::string& faults = "") {
  return absl::StrCat("{\"name\":\"t\",\"jobs\":[", absl::StrJoin(jobs, ","), "]",
                      faults.empty() ? "" : absl::StrCat(",\"faults\":[", faults, "]"), "}");
}

}  // namespace manychip::sim::testing
