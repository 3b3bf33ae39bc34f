#pragma once

// Flavor choice: the order in which an attempt tries the flavors of a task
// group. Each flavor scores its normalized throughput (milli reference
// cards), times the part of its need to start (its own min_available tasks)
// that is free now, times a bonus for a tenant below its guarantee; flavors
// are tried best score first, listing order among equals. Explain shows the
// score (`FlavorExplanation::choice_score`).
//
// Pure functions of the cluster's free-capacity indexes; scheduler thread.

#include <cstdint>
#include <vector>

#include "manychip/core/catalog.h"
#include "manychip/core/cluster_state.h"
#include "manychip/core/job.h"

namespace manychip::internal {

// One score per flavor of group `g` of `job` (all 0 for a single flavor).
std::vector<int64_t> FlavorChoiceScores(const Catalog& catalog, const ClusterState& cluster,
                                        const JobSpec& job, int32_t g, bool below_guarantee);

// Flavor indexes by `scores`, highest first, stable.
std::vector<int32_t> FlavorOrder(const std::vector<int64_t>& scores);

}  // namespace manychip::internal
