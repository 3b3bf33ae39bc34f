// Tests for the spread score plugin.

#include "src/plugins/spread_score.h"

#include "gtest/gtest.h"
#include "tests/unit/plugins/plugin_test_util.h"

namespace manychip::plugins {
namespace {

TEST(SpreadScoreTest, InferenceReplicasAvoidSharedNodesAndDomains) {
  testing::PluginFixture fx;
  fx.Add(testing::ClusterBuilder(*fx.catalog)
             .Node("a")
             .Devices("nvidia-h20", 8)
             .Path({"pod", "r1"})
             .Repeat(2)
             .Node("b")
             .Devices("nvidia-h20", 8)
             .Path({"pod", "r2"})
             .Build());
  auto made = NewSpreadScore(PluginArgs{"spread", 1, {{"max_per_node", "1"}}}, fx.handle());
  ASSERT_TRUE(made.ok());
  auto* s = dynamic_cast<SpreadScore*>(made->get());
  CycleState cs = fx.State(testing::JobBuilder(*fx.catalog, "svc")
                               .Kind(JobKind::kInference)
                               .Flavor("f", {"nvidia-h20"})
                               .Cards(1)
                               .Replicas(3)
                               .Build());
  cs.SetGang({0}, 3);  // one replica already on a-0 (rack r1)
  EXPECT_EQ(s->Filter(cs, fx.cluster.view(0)).reason, RejectReason::kSpread);
  EXPECT_TRUE(s->Filter(cs, fx.cluster.view(1)).fit());
  EXPECT_GT(s->Score(cs, fx.cluster.view(2)), s->Score(cs, fx.cluster.view(1)));
  EXPECT_GT(s->Score(cs, fx.cluster.view(1)), s->Score(cs, fx.cluster.view(0)));
  CycleState train = fx.State(testing::JobBuilder(*fx.catalog, "t")
                                  .Flavor("f", {"nvidia-h20"})
                                  .Cards(1)
                                  .Replicas(3)
                                  .Build());
  train.SetGang({0}, 3);
  EXPECT_TRUE(s->Filter(train, fx.cluster.view(0)).fit());  // training is not spread
  EXPECT_EQ(s->Score(train, fx.cluster.view(0)), 0);
}

}  // namespace
}  // namespace manychip::plugins
