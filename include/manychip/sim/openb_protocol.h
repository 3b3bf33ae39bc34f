#pragma once

// The FGD paper's experiment protocol on the openb trace (see
// docs/design/fgd-protocol.md): the typical-pod target workload, the shuffled
// arrival order with "tuned" samples appended up to `tune` x GPU capacity, and
// the per-seed node priority order that breaks score ties.
//
// Everything random comes from one generator seeded with `seed`, so the same
// inputs and seed give the same experiment on every run and platform.
// Thread-safety: pure functions.
//
//   MC_ASSIGN_OR_RETURN(OpenbExperiment e, BuildOpenbExperiment(nodes, pods, {.seed = 42}));
//   for (int32_t trace_index : e.node_order) AddNode(nodes[trace_index]);
//   for (const OpenbPod& p : e.arrivals) Submit(p);

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "manychip/sim/openb_trace.h"

namespace manychip::sim {

struct OpenbProtocolOptions {
  uint64_t seed = 42;
  // Target total GPU demand as permille of GPU capacity (1300 = the paper's
  // --tune 1.3). 0 keeps the trace as it is.
  int64_t tune_permille = 1300;
  bool shuffle = true;
};

struct OpenbExperiment {
  // Node priority order: node_order[k] is the trace index of the node that
  // wins ties k-th (the paper's random 4-digit name prefix).
  std::vector<int32_t> node_order;
  // Arrivals in submission order: the shuffled trace, then the tuned samples
  // (named "<pod>-tuned-<i>").
  std::vector<OpenbPod> arrivals;
  int64_t capacity_gpu_milli = 0;  // 1000 x GPUs of the node list
  int64_t arrived_gpu_milli = 0;   // total demand of `arrivals`
};

absl::StatusOr<OpenbExperiment> BuildOpenbExperiment(const std::vector<OpenbNode>& nodes,
                                                     const std::vector<OpenbPod>& pods,
                                                     const OpenbProtocolOptions& options);

// The typical pods: specs (cpu, per-GPU milli, GPU count, accepted models)
// grouped over `pods`, most popular first, kept until they cover at least
// `popularity_percent` of the pods; weights are the pod counts. Ties in count
// are ordered by the spec itself, so the result never depends on hash order.
struct TaskShape {
  int64_t cpu_milli = 0;
  int64_t gpu_milli = 0;  // per GPU
  int32_t gpu_count = 0;
  std::vector<int32_t> models;  // accepted catalog indexes, sorted; empty = any
  int64_t count = 0;
};
std::vector<TaskShape> TypicalWorkload(const std::vector<OpenbPod>& pods,
                                       int popularity_percent = 95);

// The workload in the `target_workload` argument form the fragmentation score
// plugins read: `cpu:gpu_milli:gpu_count:count[:model|model]` joined by ';'.
std::string FormatTargetWorkload(const std::vector<TaskShape>& shapes);

}  // namespace manychip::sim
