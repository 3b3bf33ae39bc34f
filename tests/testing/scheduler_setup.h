#pragma once

// Setup shared by the core's scheduler tests: a scheduler on a test catalog
// and fake clock, and what tests ask of its cluster state.

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "manychip/clock.h"
#include "manychip/core/catalog.h"
#include "manychip/core/cluster_state.h"
#include "manychip/core/node.h"
#include "manychip/core/profile.h"
#include "manychip/core/scheduler.h"

namespace manychip::testing {

// A scheduler running `profile` with `nodes` added; the first error
// (profile, node) is returned.
absl::StatusOr<std::unique_ptr<Scheduler>> NewScheduler(std::shared_ptr<const Catalog> catalog,
                                                        const Clock* clock, ProfileSpec profile,
                                                        const std::vector<NodeSpec>& nodes = {});

// `profile` with the gang plugin holding partial gangs for `seconds`.
ProfileSpec WithGangTimeout(ProfileSpec profile, int64_t seconds);

// Allocations assumed but not bound (what gangs hold) across the cluster.
size_t UnboundAllocations(const ClusterState& cluster);

}  // namespace manychip::testing
