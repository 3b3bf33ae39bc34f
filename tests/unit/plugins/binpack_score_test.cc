// Tests for the binpack score plugin.

#include "src/plugins/binpack_score.h"

#include "gtest/gtest.h"
#include "tests/unit/plugins/plugin_test_util.h"

namespace manychip::plugins {
namespace {

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

}  // namespace
}  // namespace manychip::plugins
