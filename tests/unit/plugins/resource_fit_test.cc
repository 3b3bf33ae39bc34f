#include "src/plugins/resource_fit.h"

#include "gtest/gtest.h"
#include "tests/unit/plugins/plugin_test_util.h"

namespace manychip::plugins {
namespace {

TEST(ResourceFitTest, ModelCpuMemoryCardsShareAndDeviceMemory) {
  testing::PluginFixture fx;
  fx.Add(testing::ClusterBuilder(*fx.catalog)
             .Node("h20")
             .Devices("nvidia-h20", 4)
             .Cpu(4000)
             .Memory(8192)
             .Node("asc")
             .Devices("ascend-910b", 8)
             .Build());
  ResourceFit f;
  auto job = [&](auto fn) {
    testing::JobBuilder b(*fx.catalog, "j");
    b.Flavor("f", {"nvidia-h20"});
    fn(b);
    return b.Build();
  };
  CycleState ok = fx.State(job([](auto& b) { b.Cards(4); }));
  EXPECT_TRUE(f.Filter(ok, fx.cluster.view(0)).fit());
  EXPECT_EQ(f.Filter(ok, fx.cluster.view(1)).reason, RejectReason::kModelNotAccepted);
  CycleState five = fx.State(job([](auto& b) { b.Cards(5); }));
  Decision d = f.Filter(five, fx.cluster.view(0));
  EXPECT_EQ(d.reason, RejectReason::kInsufficientDevices);
  EXPECT_EQ(d.verdict, Verdict::kUnresolvable);  // the node only has 4
  CycleState cpu = fx.State(job([](auto& b) { b.Cards(1).Cpu(5000); }));
  EXPECT_EQ(f.Filter(cpu, fx.cluster.view(0)).reason, RejectReason::kInsufficientCpu);
  CycleState mem = fx.State(job([](auto& b) { b.Cards(1).Memory(9000); }));
  EXPECT_EQ(f.Filter(mem, fx.cluster.view(0)).reason, RejectReason::kInsufficientMemory);
  CycleState dm = fx.State(job([](auto& b) { b.Cards(1).DeviceMemory(200 * 1024); }));
  EXPECT_EQ(f.Filter(dm, fx.cluster.view(0)).reason, RejectReason::kInsufficientDeviceMemory);
  // Fill all but 300 milli of every card: a 500 share no longer fits.
  for (int32_t d = 0; d < 4; ++d) {
    AllocationRequest r;
    r.task = TaskRef{"x", 0, d};
    r.node = 0;
    r.devices = {d};
    r.share = MilliDevices::FromRaw(700);
    ASSERT_TRUE(fx.cluster.Assume(r).ok());
  }
  CycleState share = fx.State(job([](auto& b) { b.Share(500); }));
  EXPECT_EQ(f.Filter(share, fx.cluster.view(0)).reason, RejectReason::kInsufficientShare);
  CycleState small = fx.State(job([](auto& b) { b.Share(300); }));
  EXPECT_TRUE(f.Filter(small, fx.cluster.view(0)).fit());
  CycleState four = fx.State(job([](auto& b) { b.Cards(4); }));
  EXPECT_EQ(f.Filter(four, fx.cluster.view(0)).reason, RejectReason::kInsufficientDevices);
  CycleState cpu_only = fx.State(testing::JobBuilder(*fx.catalog, "c").Flavor("c", {}).Build());
  EXPECT_TRUE(f.Filter(cpu_only, fx.cluster.view(1)).fit());
}

}  // namespace
}  // namespace manychip::plugins
