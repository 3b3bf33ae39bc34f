#pragma once

// One policy over several seeds of the openb experiment, seeds run in
// parallel threads (each with its own Scheduler), and the result as the JSON
// document `manychip-sim openb --json` writes:
//
//   {"policy": ..., "profile": ..., "seeds": [...],
//    "unallocated_gpu_pct": {"at_100": mean, "at_130": mean,
//                            "per_seed_at_100": [...], "per_seed_at_130": [...]},
//    "curve": {"arrived_pct": [...], "alloc_pct": [...]},
//    "frag_ratio_pct_at_100": mean, "arrivals": n, "wall_seconds": s}
//
// Means are over seeds; the curve at x is the mean over the seeds that have
// events at x. Everything but wall_seconds is a pure function of the inputs.
//
// Thread-safety: RunOpenbPolicy starts and joins its own threads; the
// progress callback may be called from any of them concurrently.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "manychip/sim/openb_runner.h"

namespace manychip::sim {

struct OpenbPolicyResult {
  std::string policy;
  std::string profile_name;
  std::vector<OpenbSeedResult> seeds;  // in the order asked
  double unallocated_at_100 = 0;
  double unallocated_at_130 = 0;
  double frag_ratio_at_100 = 0;
  std::vector<int> curve_arrived_pct;
  std::vector<double> curve_alloc_pct;
  double wall_seconds = 0;
};

// `base.seed` is ignored; each of `seeds` runs once. `threads` <= 0 means one
// per hardware thread. `progress(arrivals_done)` counts over all seeds.
absl::StatusOr<OpenbPolicyResult> RunOpenbPolicy(const std::vector<OpenbNode>& nodes,
                                                 const std::vector<OpenbPod>& pods,
                                                 const std::string& policy,
                                                 const OpenbRunOptions& base,
                                                 const std::vector<uint64_t>& seeds, int threads,
                                                 const std::function<void(int64_t)>& progress);

// The JSON document above. `with_wall` false leaves wall_seconds out (for
// byte-for-byte determinism checks).
std::string OpenbResultJson(const OpenbPolicyResult& r, bool with_wall = true);

}  // namespace manychip::sim
