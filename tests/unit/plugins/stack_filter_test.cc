#include "src/plugins/stack_filter.h"

#include "gtest/gtest.h"
#include "src/plugins/plugin_util.h"
#include "tests/unit/plugins/plugin_test_util.h"

namespace manychip::plugins {
namespace {

TEST(StackFilterTest, GenericVersionComparisonWithoutAdapter) {
  testing::PluginFixture fx;
  fx.Add(testing::ClusterBuilder(*fx.catalog)
             .Node("new")
             .Software("cuda", "12.10")
             .Node("old")
             .Software("cuda", "12.4")
             .Node("none")
             .Build());
  StackFilter f(fx.handle());
  CycleState none = fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("c", {}).Build());
  EXPECT_EQ(f.PreFilter(none).verdict, Verdict::kSkip);
  CycleState want =
      fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("c", {}).Stack("cuda", "12.5").Build());
  EXPECT_EQ(f.PreFilter(want).verdict, Verdict::kFit);
  EXPECT_TRUE(f.Filter(want, fx.cluster.view(0)).fit());  // 12.10 > 12.5 numerically
  EXPECT_EQ(f.Filter(want, fx.cluster.view(1)).reason, RejectReason::kStackMissing);
  EXPECT_EQ(f.Filter(want, fx.cluster.view(2)).reason, RejectReason::kStackMissing);
}

TEST(StackFilterTest, DottedVersions) {
  EXPECT_EQ(*CompareDottedVersions("8.0", "8"), 0);
  EXPECT_LT(*CompareDottedVersions("535.104", "550.54"), 0);
  EXPECT_GT(*CompareDottedVersions("12.10", "12.9"), 0);
  EXPECT_FALSE(CompareDottedVersions("8.0.RC1", "8.0").ok());
}

}  // namespace
}  // namespace manychip::plugins
