#include "tests/testing/scheduler_setup.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace manychip::testing {

absl::StatusOr<std::unique_ptr<Scheduler>> NewScheduler(std::shared_ptr<const Catalog> catalog,
                                                        const Clock* clock, ProfileSpec profile,
                                                        const std::vector<NodeSpec>& nodes) {
  SchedulerOptions o;
  o.catalog = std::move(catalog);
  o.clock = clock;
  o.profile = std::move(profile);
  absl::StatusOr<std::unique_ptr<Scheduler>> s = Scheduler::Create(std::move(o));
  if (!s.ok()) return s.status();
  for (const NodeSpec& n : nodes) {
    if (absl::Status added = (*s)->AddNode(n); !added.ok()) return added;
  }
  return s;
}

ProfileSpec WithGangTimeout(ProfileSpec profile, int64_t seconds) {
  for (PluginArgs& a : profile.plugins) {
    if (a.name == "gang") a.args["timeout_seconds"] = absl::StrCat(seconds);
  }
  return profile;
}

size_t UnboundAllocations(const ClusterState& cluster) {
  size_t n = 0;
  for (NodeIndex i = 0; i < cluster.node_count(); ++i) {
    for (AllocationId id : cluster.AllocationsOnNode(i)) n += !cluster.FindAllocation(id)->bound;
  }
  return n;
}

}  // namespace manychip::testing
