#include "src/plugins/arch_filter.h"

#include "gtest/gtest.h"
#include "tests/unit/plugins/plugin_test_util.h"

namespace manychip::plugins {
namespace {

TEST(ArchFilterTest, AcceptedArchesAndImagePlatforms) {
  testing::PluginFixture fx;
  fx.Add(testing::ClusterBuilder(*fx.catalog)
             .Node("x")
             .Node("arm")
             .Arch(Arch::kAarch64)
             .Node("rv")
             .Arch(Arch::kRiscv64)
             .Build());
  ArchFilter f;
  CycleState any = fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("c", {}).Build());
  for (NodeIndex n = 0; n < 3; ++n) EXPECT_TRUE(f.Filter(any, fx.cluster.view(n)).fit());
  CycleState arm = fx.State(
      testing::JobBuilder(*fx.catalog, "j").AcceptArch(Arch::kAarch64).Flavor("c", {}).Build());
  EXPECT_FALSE(f.Filter(arm, fx.cluster.view(0)).fit());
  EXPECT_TRUE(f.Filter(arm, fx.cluster.view(1)).fit());
  Decision d = f.Filter(arm, fx.cluster.view(2));
  EXPECT_EQ(d.verdict, Verdict::kUnresolvable);
  EXPECT_EQ(d.reason, RejectReason::kArchMismatch);
  CycleState img = fx.State(testing::JobBuilder(*fx.catalog, "j")
                                .Flavor("c", {})
                                .Image(Arch::kX86_64)
                                .Image(Arch::kRiscv64)
                                .Build());
  EXPECT_TRUE(f.Filter(img, fx.cluster.view(0)).fit());
  EXPECT_FALSE(f.Filter(img, fx.cluster.view(1)).fit());
  EXPECT_TRUE(f.Filter(img, fx.cluster.view(2)).fit());
}

}  // namespace
}  // namespace manychip::plugins
