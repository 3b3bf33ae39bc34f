#pragma once

// Helpers for plugin unit tests: a ClusterState from builder nodes and a
// CycleState for task 0 of group 0, flavor 0 of a built job.

#include <memory>

#include "manychip/core/cluster_state.h"
#include "manychip/framework/cycle_state.h"
#include "manychip/framework/plugin.h"
#include "tests/testing/cluster_builder.h"
#include "tests/testing/job_builder.h"

namespace manychip::testing {

struct PluginFixture {
  std::shared_ptr<const Catalog> catalog = CoreCatalog();
  ClusterState cluster{catalog.get()};
  FakeClock clock;
  std::mt19937_64 rng{1};
  JobSpec job;

  FrameworkHandle handle() {
    return FrameworkHandle{catalog.get(), nullptr, &cluster, &clock, &rng};
  }
  void Add(const std::vector<NodeSpec>& nodes) {
    for (const NodeSpec& n : nodes) {
      if (!cluster.AddNode(n).ok()) std::abort();
    }
  }
  CycleState State(JobSpec j, int32_t flavor = 0) {
    job = std::move(j);
    return CycleState(&job, 0, flavor, 0);
  }
};

}  // namespace manychip::testing
