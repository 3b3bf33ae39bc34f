#pragma once

// Replays the FGD paper's openb experiment (docs/design/fgd-protocol.md) through the real
// Scheduler: nodes added in the per-seed priority order (so score ties go to
// the paper's random node permutation), every pod submitted as a one-task job,
// one scheduling cycle per arrival, and a pod that does not fit is cancelled
// at once (the paper drops it; it still counts as arrived). Nothing departs.
//
// The policy is whatever the profile says. A plugin argument
// `target_workload` whose value is the word `trace` is replaced by the typical
// pods of the trace being replayed, so a profile file can name "the workload
// of this experiment" without embedding it.
//
// Metrics are measured by the runner from the bindings it receives, not read
// from the policy, so every policy is judged by the same code.
//
// Thread-safety: RunOpenbSeed is reentrant; run seeds on separate threads,
// each builds its own Scheduler.
//
//   OpenbRunOptions o{.catalog = catalog, .profile = profile, .seed = 42};
//   MC_ASSIGN_OR_RETURN(OpenbSeedResult r, RunOpenbSeed(nodes, pods, o));
//   r.unallocated_gpu_pct_at_100;

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "manychip/core/catalog.h"
#include "manychip/core/node.h"
#include "manychip/core/profile.h"
#include "manychip/sim/openb_trace.h"

namespace manychip::sim {

struct OpenbRunOptions {
  std::shared_ptr<const Catalog> catalog;
  ProfileSpec profile;
  uint64_t seed = 42;
  int64_t tune_permille = 1300;
  int popularity_percent = 95;
  // Called after every arrival with the number of arrivals done so far and
  // the total; may be empty. Runs on the calling thread.
  std::function<void(int64_t done, int64_t total)> progress;
};

struct OpenbSeedResult {
  uint64_t seed = 0;
  int64_t arrivals = 0;
  int64_t placed = 0;
  int64_t failed = 0;
  int64_t capacity_gpu_milli = 0;
  // 100 - alloc(x) at arrived x = 100 % and 130 % (docs/design/fgd-protocol.md 4.3).
  double unallocated_gpu_pct_at_100 = 0;
  double unallocated_gpu_pct_at_130 = 0;
  // Cluster fragmentation ratio (% of idle GPU that is fragment) at 100 %.
  double frag_ratio_pct_at_100 = 0;
  // The allocation curve: alloc % at each integer arrived %, ascending.
  std::vector<int> arrived_pct;
  std::vector<double> alloc_pct;
  double wall_seconds = 0;
};

// The scheduler node for a trace node (x86_64, one device per GPU).
NodeSpec NodeSpecFromOpenb(const OpenbNode& node);

absl::StatusOr<OpenbSeedResult> RunOpenbSeed(const std::vector<OpenbNode>& nodes,
                                             const std::vector<OpenbPod>& pods,
                                             const OpenbRunOptions& options);

}  // namespace manychip::sim
