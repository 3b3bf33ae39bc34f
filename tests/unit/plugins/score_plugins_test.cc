// Tests for the small built-in score plugins: throughput, binpack, spread.

#include "gtest/gtest.h"
#include "src/plugins/binpack_score.h"
#include "src/plugins/spread_score.h"
#include "src/plugins/throughput_score.h"
#include "tests/unit/plugins/plugin_test_util.h"

namespace manychip::plugins {
namespace {

TEST(ThroughputScoreTest, PrefersTheFasterAcceptedModel) {
  testing::PluginFixture fx;
  fx.Add(testing::ClusterBuilder(*fx.catalog)
             .Node("h20")
             .Devices("nvidia-h20", 8)
             .Node("h100")
             .Devices("nvidia-h100", 8)
             .Build());
  ThroughputScore t(fx.handle());
  CycleState train = fx.State(testing::JobBuilder(*fx.catalog, "j")
                                  .Flavor("f", {"nvidia-h20", "nvidia-h100"})
                                  .Cards(1)
                                  .Build());
  const std::vector<NodeIndex> both = {0, 1};
  ASSERT_EQ(t.PreScore(train, both).verdict, Verdict::kFit);
  EXPECT_EQ(t.Score(train, fx.cluster.view(1)), 100);
  EXPECT_LT(t.Score(train, fx.cluster.view(0)), 20);  // 148 vs 989 BF16 TFLOPS
  // Inference decode is bandwidth bound: H20 (4.0 TB/s) beats H100 (3.35).
  CycleState infer = fx.State(testing::JobBuilder(*fx.catalog, "j")
                                  .Kind(JobKind::kInference)
                                  .Flavor("f", {"nvidia-h20", "nvidia-h100"})
                                  .Cards(1)
                                  .Build());
  ASSERT_EQ(t.PreScore(infer, both).verdict, Verdict::kFit);
  EXPECT_EQ(t.Score(infer, fx.cluster.view(0)), 100);
  EXPECT_LT(t.Score(infer, fx.cluster.view(1)), 100);
  const FlavorSpec& f = train.flavor();
  EXPECT_EQ(FlavorThroughput(*fx.catalog, f, JobKind::kTraining),
            ModelFactor(*fx.catalog, fx.catalog->Find("nvidia-h100")->index, JobKind::kTraining));
  // One accepted model or no devices: every node would score the same.
  CycleState one =
      fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("f", {"nvidia-h20"}).Cards(1).Build());
  EXPECT_EQ(t.PreScore(one, both).verdict, Verdict::kSkip);
  CycleState cpu = fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("f", {}).Build());
  EXPECT_EQ(t.PreScore(cpu, both).verdict, Verdict::kSkip);
}

TEST(BinpackScoreTest, FullerNodeScoresHigher) {
  testing::PluginFixture fx;
  fx.Add(testing::ClusterBuilder(*fx.catalog).Node("n").Devices("nvidia-h20", 4).Repeat(2).Build());
  AllocationRequest r;
  r.task = TaskRef{"x", 0, 0};
  r.node = 1;
  r.devices = {0, 1};
  r.share = MilliDevices::FromRaw(1000);
  ASSERT_TRUE(fx.cluster.Assume(r).ok());
  BinpackScore b;
  CycleState cs =
      fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("f", {"nvidia-h20"}).Cards(1).Build());
  EXPECT_EQ(b.Score(cs, fx.cluster.view(0)), 25);
  EXPECT_EQ(b.Score(cs, fx.cluster.view(1)), 75);
}

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
