// Tests for the throughput score plugin.

#include "src/plugins/throughput_score.h"

#include "gtest/gtest.h"
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
  // One accepted model or no devices: every node would score the same.
  CycleState one =
      fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("f", {"nvidia-h20"}).Cards(1).Build());
  EXPECT_EQ(t.PreScore(one, both).verdict, Verdict::kSkip);
  CycleState cpu = fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("f", {}).Build());
  EXPECT_EQ(t.PreScore(cpu, both).verdict, Verdict::kSkip);
}

}  // namespace
}  // namespace manychip::plugins
