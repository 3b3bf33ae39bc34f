#include "src/plugins/gang.h"

#include "gtest/gtest.h"
#include "tests/unit/plugins/plugin_test_util.h"

namespace manychip::plugins {
namespace {

TEST(GangPermitTest, WaitsUntilMinAvailable) {
  testing::PluginFixture fx;
  CycleState cs = fx.State(testing::JobBuilder(*fx.catalog, "j")
                               .Group("w")
                               .MinAvailable(3)
                               .Flavor("f", {})
                               .Replicas(4)
                               .Build());
  cs.SetGang({}, 4);
  GangPermit p(absl::ZeroDuration());
  EXPECT_EQ(p.Permit(cs, 2).verdict, Verdict::kWait);
  EXPECT_EQ(p.Permit(cs, 3).verdict, Verdict::kFit);
  auto made = NewGangPermit(PluginArgs{"gang", 1, {{"timeout_seconds", "30"}}}, fx.handle());
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(dynamic_cast<PermitPlugin*>(made->get())->Timeout(), absl::Seconds(30));
}

}  // namespace
}  // namespace manychip::plugins
