#include "src/plugins/cluster_topology.h"

#include "gtest/gtest.h"
#include "tests/unit/plugins/plugin_test_util.h"

namespace manychip::plugins {
namespace {

TEST(ClusterTopologyTest, RestrictsToLowestTierThatHoldsTheGang) {
  testing::PluginFixture fx;
  fx.Add(testing::ClusterBuilder(*fx.catalog)
             .Node("a")
             .Devices("nvidia-h20", 8)
             .Path({"pod1", "sw1"})
             .Repeat(3)
             .Node("b")
             .Devices("nvidia-h20", 8)
             .Path({"pod1", "sw2"})
             .Repeat(2)
             .Node("c")
             .Devices("nvidia-h20", 8)
             .Path({"pod2", "sw3"})
             .Repeat(4)
             .Build());
  ClusterTopology t(fx.handle());
  auto gang = [&](int replicas, TopologyMode mode, int tier) {
    return testing::JobBuilder(*fx.catalog, "g")
        .Group("w")
        .Topology(mode, tier)
        .Flavor("f", {"nvidia-h20"})
        .Cards(8)
        .Replicas(replicas)
        .Build();
  };
  // 2 tasks: the tightest switch holding 2 nodes is sw2.
  CycleState two = fx.State(gang(2, TopologyMode::kPreferred, 0));
  two.SetGang({}, 2);
  ASSERT_TRUE(t.PreFilter(two).fit());
  ASSERT_TRUE(two.restricted());
  EXPECT_EQ(two.allowed().Count(), 2);
  EXPECT_TRUE(two.allowed().Test(3));
  EXPECT_TRUE(t.Filter(two, fx.cluster.view(3)).fit());
  EXPECT_EQ(t.Filter(two, fx.cluster.view(0)).reason, RejectReason::kTopologyDomain);
  // 5 tasks: no switch holds them; pod1 (5 nodes) does, at tier 2.
  CycleState five = fx.State(gang(5, TopologyMode::kPreferred, 0));
  five.SetGang({}, 5);
  ASSERT_TRUE(t.PreFilter(five).fit());
  EXPECT_EQ(five.allowed().Count(), 5);
  // Required within one switch: impossible for 5.
  CycleState req = fx.State(gang(5, TopologyMode::kRequired, 1));
  req.SetGang({}, 5);
  Decision d = t.PreFilter(req);
  EXPECT_EQ(d.reason, RejectReason::kTopologyDomain);
  // No wish: no restriction, but the score prefers the first task's switch.
  CycleState none = fx.State(gang(2, TopologyMode::kNone, 0));
  none.SetGang({0}, 2);
  EXPECT_EQ(t.PreFilter(none).verdict, Verdict::kSkip);
  EXPECT_GT(t.Score(none, fx.cluster.view(1)), t.Score(none, fx.cluster.view(3)));
  EXPECT_GT(t.Score(none, fx.cluster.view(3)), t.Score(none, fx.cluster.view(6)));
}

}  // namespace
}  // namespace manychip::plugins
