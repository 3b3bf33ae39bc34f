#include "src/plugins/preemption.h"

#include "gtest/gtest.h"
#include "tests/unit/plugins/plugin_test_util.h"

namespace manychip::plugins {
namespace {

void Occupy(testing::PluginFixture& fx, const std::string& job, NodeIndex n, std::vector<int32_t> d,
            int32_t prio, bool preemptible, int32_t task = 0) {
  AllocationRequest r;
  r.task = TaskRef{job, 0, task};
  r.node = n;
  r.devices = std::move(d);
  r.share = MilliDevices::FromRaw(1000);
  r.priority = prio;
  r.preemptible = preemptible;
  ASSERT_TRUE(fx.cluster.Assume(r).ok());
}

TEST(PreemptionTest, SmallestLowerPrioritySetWithReprieve) {
  testing::PluginFixture fx;
  fx.Add(testing::ClusterBuilder(*fx.catalog).Node("n").Devices("nvidia-h20", 4).Repeat(3).Build());
  // n-0: two 2-card jobs at priority 1. n-1: four 1-card jobs at priority 0.
  // n-2: one 4-card job at priority 5 (not lower than the preemptor's 5).
  Occupy(fx, "a", 0, {0, 1}, 1, true);
  Occupy(fx, "b", 0, {2, 3}, 1, true);
  for (int i = 0; i < 4; ++i) Occupy(fx, "s" + std::to_string(i), 1, {i}, 0, true);
  Occupy(fx, "peer", 2, {0, 1, 2, 3}, 5, true);
  Preemption p(fx.handle());
  CycleState two = fx.State(testing::JobBuilder(*fx.catalog, "hi")
                                .Priority(5)
                                .Flavor("f", {"nvidia-h20"})
                                .Cards(2)
                                .Build());
  auto plan = p.PostFilter(two);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // One victim on n-0 beats two victims on n-1.
  EXPECT_EQ(plan->node, 0);
  EXPECT_EQ(plan->victim_jobs.size(), 1u);
  EXPECT_EQ(plan->victim_jobs[0], "b");  // newest of equal priority
  CycleState four = fx.State(testing::JobBuilder(*fx.catalog, "hi")
                                 .Priority(5)
                                 .Flavor("f", {"nvidia-h20"})
                                 .Cards(4)
                                 .Build());
  plan = p.PostFilter(four);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->node, 0);
  EXPECT_EQ(plan->victim_jobs, (std::vector<std::string>{"a", "b"}));
  CycleState low = fx.State(testing::JobBuilder(*fx.catalog, "lo")
                                .Priority(0)
                                .Flavor("f", {"nvidia-h20"})
                                .Cards(1)
                                .Build());
  EXPECT_EQ(p.PostFilter(low).status().code(), absl::StatusCode::kNotFound);
}

TEST(PreemptionTest, NonPreemptibleAndWrongModelAreNeverVictims) {
  testing::PluginFixture fx;
  fx.Add(testing::ClusterBuilder(*fx.catalog)
             .Node("n")
             .Devices("nvidia-h20", 2)
             .Node("asc")
             .Arch(Arch::kAarch64)
             .Devices("ascend-910b", 2)
             .Build());
  Occupy(fx, "keep", 0, {0, 1}, 0, false);
  Occupy(fx, "other", 1, {0, 1}, 0, true);
  Preemption p(fx.handle());
  CycleState cs = fx.State(testing::JobBuilder(*fx.catalog, "hi")
                               .Priority(9)
                               .Flavor("f", {"nvidia-h20"})
                               .Cards(1)
                               .Build());
  EXPECT_FALSE(p.PostFilter(cs).ok());
}

}  // namespace
}  // namespace manychip::plugins
