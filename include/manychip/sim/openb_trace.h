#pragma once

// Readers for the Alibaba GPU cluster trace (cluster-trace-gpu-v2023, "openb")
// used by the ATC'23 FGD paper: the node list
// (`sn,cpu_milli,memory_mib,gpu,model`) and a pod list
// (`name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,
// creation_time,deletion_time,scheduled_time`).
//
// Columns are found by header name, so column order and extra columns do not
// matter. Every bad row is an InvalidArgument naming `file:line`, the column
// and the reason: a missing column, a non-integer or negative number, a
// multi-GPU pod whose per-GPU share is not a whole card, or a GPU model the
// catalog does not know. Nothing is silently fixed.
//
// Thread-safety: free functions over values; safe from any thread.
//
//   MC_ASSIGN_OR_RETURN(auto nodes, ReadOpenbNodes(path, &catalog));
//   MC_ASSIGN_OR_RETURN(auto pods, ReadOpenbPods(pods_path, &catalog));

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/core/catalog.h"
#include "manychip/core/job.h"

namespace manychip::sim {

struct OpenbNode {
  std::string name;  // the trace's `sn`
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
  int32_t gpu_count = 0;
  std::string model;         // as written in the trace, e.g. "G2"; empty if no GPU
  int32_t model_index = -1;  // catalog index when a catalog was given
  int line = 0;
};

struct OpenbPod {
  std::string name;
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
  int32_t num_gpu = 0;
  // Per-GPU share: < 1000 for a sharing pod (num_gpu == 1), 1000 for
  // whole-GPU pods, 0 for CPU-only pods.
  int64_t gpu_milli = 0;
  std::vector<std::string> gpu_spec;      // accepted models; empty = any
  std::vector<int32_t> gpu_spec_indexes;  // catalog indexes, sorted
  std::string qos;
  std::string pod_phase;
  std::optional<int64_t> creation_time;  // seconds; absent when the cell is empty
  std::optional<int64_t> deletion_time;
  std::optional<int64_t> scheduled_time;
  int line = 0;

  int64_t total_gpu_milli() const { return gpu_milli * num_gpu; }
};

// The one-task job a trace pod becomes: one group "main" with one flavor
// "default" accepting the pod's GPU models (all of `all_models` when the pod
// names none), a card share below 1000 milli for sharing pods, whole cards
// otherwise. Used by both the openb protocol and the time-based replay.
JobSpec PodToJobSpec(const OpenbPod& pod, const std::vector<int32_t>& all_models,
                     absl::string_view tenant, JobKind kind);

// Parses a node list. `catalog` may be null (models are then not checked).
absl::StatusOr<std::vector<OpenbNode>> ParseOpenbNodes(absl::string_view text,
                                                       absl::string_view file,
                                                       const Catalog* catalog);
absl::StatusOr<std::vector<OpenbNode>> ReadOpenbNodes(const std::string& path,
                                                      const Catalog* catalog);

// Parses a pod list. `catalog` may be null (models are then not checked).
absl::StatusOr<std::vector<OpenbPod>> ParseOpenbPods(absl::string_view text, absl::string_view file,
                                                     const Catalog* catalog);
absl::StatusOr<std::vector<OpenbPod>> ReadOpenbPods(const std::string& path,
                                                    const Catalog* catalog);

}  // namespace manychip::sim
