#include "src/plugins/taints_filter.h"

#include "gtest/gtest.h"
#include "tests/unit/plugins/plugin_test_util.h"

namespace manychip::plugins {
namespace {

TEST(TaintsFilterTest, HardSoftTaintsReadinessAndCordon) {
  testing::PluginFixture fx;
  fx.Add(testing::ClusterBuilder(*fx.catalog)
             .Node("clean")
             .Node("hard")
             .Taint("gpu", "reserved")
             .Node("soft")
             .Taint("noisy", "", true)
             .Node("down")
             .Node("cordoned")
             .Build());
  ASSERT_TRUE(fx.cluster.SetReady(3, false).ok());
  ASSERT_TRUE(fx.cluster.SetSchedulable(4, false).ok());
  TaintsFilter f;
  CycleState plain = fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("c", {}).Build());
  EXPECT_TRUE(f.Filter(plain, fx.cluster.view(0)).fit());
  EXPECT_EQ(f.Filter(plain, fx.cluster.view(1)).reason, RejectReason::kTaint);
  EXPECT_TRUE(f.Filter(plain, fx.cluster.view(2)).fit());
  EXPECT_EQ(f.Score(plain, fx.cluster.view(2)), 0);
  EXPECT_EQ(f.Score(plain, fx.cluster.view(0)), 100);
  EXPECT_EQ(f.Filter(plain, fx.cluster.view(3)).reason, RejectReason::kNodeNotReady);
  EXPECT_EQ(f.Filter(plain, fx.cluster.view(4)).reason, RejectReason::kNodeUnschedulable);
  CycleState tol =
      fx.State(testing::JobBuilder(*fx.catalog, "j").Tolerate("gpu").Flavor("c", {}).Build());
  EXPECT_TRUE(f.Filter(tol, fx.cluster.view(1)).fit());
  CycleState wrong = fx.State(
      testing::JobBuilder(*fx.catalog, "j").Tolerate("gpu", "other").Flavor("c", {}).Build());
  EXPECT_FALSE(f.Filter(wrong, fx.cluster.view(1)).fit());
}

}  // namespace
}  // namespace manychip::plugins
