#pragma once

// Free device capacity of the cluster, read from ClusterState's free-capacity
// indexes (no node scan): what flavor choice weighs a flavor by and what the
// backfill plugin plans a blocked job's start with.

#include <cstdint>
#include <vector>

#include "manychip/core/cluster_state.h"

namespace manychip::internal {

// Free milli-devices of `models`: whole free cards, plus (when `fractional`)
// the free shares of partly used cards, in 100-milli buckets.
int64_t FreeMilliOfModels(const ClusterState& cluster, const std::vector<int32_t>& models,
                          bool fractional);

}  // namespace manychip::internal
