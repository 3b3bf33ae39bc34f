#include "manychip/core/cluster_state.h"

#include <random>

#include "gtest/gtest.h"
#include "tests/testing/cluster_builder.h"

namespace manychip {
namespace {

using testing::ClusterBuilder;
using testing::CoreCatalog;

AllocationRequest Req(NodeIndex n, std::vector<int32_t> devices, int64_t share) {
  AllocationRequest r;
  r.task = TaskRef{"j", 0, 0};
  r.node = n;
  r.devices = std::move(devices);
  r.share = MilliDevices::FromRaw(share);
  r.cpu = MilliCpu::FromRaw(1000);
  r.memory = MiB::FromRaw(1024);
  return r;
}

TEST(ClusterStateTest, AssumeForgetKeepsIndexesAndAccounting) {
  auto catalog = CoreCatalog();
  ClusterState state(catalog.get());
  auto nodes = ClusterBuilder(*catalog).Node("n").Devices("nvidia-h20", 8).Repeat(3).Build();
  for (auto& n : nodes) ASSERT_TRUE(state.AddNode(n).ok());
  int32_t h20 = catalog->Find("nvidia-h20")->index;
  EXPECT_EQ(state.NodesWithFreeWhole(h20, 8).Count(), 3);
  auto a = state.Assume(Req(1, {0, 1, 2}, 1000));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(state.NodesWithFreeWhole(h20, 8).Count(), 2);
  EXPECT_TRUE(state.NodesWithFreeWhole(h20, 5).Test(1));
  auto b = state.Assume(Req(1, {3}, 300));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(state.runtime(1).free_whole, 4);
  EXPECT_EQ(state.runtime(1).max_share, 1000);
  EXPECT_TRUE(state.CheckConsistency().ok());
  ASSERT_TRUE(state.Forget(*a).ok());
  ASSERT_TRUE(state.Forget(*b).ok());
  EXPECT_EQ(state.NodesWithFreeWhole(h20, 8).Count(), 3);
  EXPECT_TRUE(state.CheckConsistency().ok());
  EXPECT_EQ(state.Forget(*a).code(), absl::StatusCode::kNotFound);
}

TEST(ClusterStateTest, RejectsOverAllocationAndBadInput) {
  auto catalog = CoreCatalog();
  ClusterState state(catalog.get());
  ASSERT_TRUE(
      state.AddNode(ClusterBuilder(*catalog).Node("n").Devices("nvidia-h20", 2).Build()[0]).ok());
  ASSERT_TRUE(state.Assume(Req(0, {0}, 600)).ok());
  EXPECT_EQ(state.Assume(Req(0, {0}, 500)).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(state.Assume(Req(0, {0}, 1000)).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(state.Assume(Req(0, {5}, 1000)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(state.Assume(Req(0, {1, 1}, 1000)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(state.Assume(Req(7, {0}, 1000)).status().code(), absl::StatusCode::kNotFound);
  auto dup = ClusterBuilder(*catalog).Node("n").Build()[0];
  EXPECT_EQ(state.AddNode(dup).status().code(), absl::StatusCode::kAlreadyExists);
  NodeSpec mixed = ClusterBuilder(*catalog).Node("m").Devices("nvidia-h20", 2).Build()[0];
  mixed.devices[1].model = catalog->Find("ascend-910b")->index;
  absl::Status s = state.AddNode(mixed).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("devices[1].model"), std::string::npos) << s;
  EXPECT_TRUE(state.CheckConsistency().ok());
}

TEST(ClusterStateTest, UnhealthyDeviceLeavesAllocatable) {
  auto catalog = CoreCatalog();
  ClusterState state(catalog.get());
  ASSERT_TRUE(
      state.AddNode(ClusterBuilder(*catalog).Node("n").Devices("nvidia-h20", 4).Build()[0]).ok());
  auto a = state.Assume(Req(0, {1}, 1000));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(state.SetDeviceHealth(0, 1, false, "xid 79").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(state.AllocationsOnDevice(0, 1), std::vector<AllocationId>{*a});
  ASSERT_TRUE(state.Forget(*a).ok());
  ASSERT_TRUE(state.SetDeviceHealth(0, 1, false, "xid 79").ok());
  EXPECT_EQ(state.runtime(0).free_whole, 3);
  EXPECT_EQ(state.Assume(Req(0, {1}, 1000)).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(state.CheckConsistency().ok());
  ASSERT_TRUE(state.SetDeviceHealth(0, 1, true, "").ok());
  EXPECT_EQ(state.runtime(0).free_whole, 4);
  EXPECT_TRUE(state.CheckConsistency().ok());
}

TEST(ClusterStateTest, RemovedNodeLeavesIndexes) {
  auto catalog = CoreCatalog();
  ClusterState state(catalog.get());
  auto nodes = ClusterBuilder(*catalog)
                   .Node("n")
                   .Devices("ascend-910b", 8)
                   .Arch(Arch::kAarch64)
                   .Repeat(2)
                   .Build();
  for (auto& n : nodes) ASSERT_TRUE(state.AddNode(n).ok());
  auto a = state.Assume(Req(0, {0}, 1000));
  EXPECT_EQ(state.RemoveNode(0).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(state.Forget(*a).ok());
  ASSERT_TRUE(state.RemoveNode(0).ok());
  EXPECT_FALSE(state.NodesOfArch(Arch::kAarch64).Test(0));
  EXPECT_EQ(state.live_node_count(), 1);
  EXPECT_FALSE(state.FindNode("n-0").ok());
  EXPECT_TRUE(state.CheckConsistency().ok());
  // The name can come back as a new node.
  ASSERT_TRUE(state.AddNode(nodes[0]).ok());
  EXPECT_TRUE(state.CheckConsistency().ok());
}

TEST(ClusterStateTest, MemoryPerNodeIsReported) {
  auto catalog = CoreCatalog();
  ClusterState state(catalog.get());
  auto nodes = ClusterBuilder(*catalog).Node("node").Devices("nvidia-h20", 8).Repeat(100).Build();
  for (auto& n : nodes) ASSERT_TRUE(state.AddNode(n).ok());
  // Each node's record, runtime and per-device free capacity; the 100
  // identical device tables are one shared table, counted once.
  const size_t per_node =
      sizeof(NodeSpec) + sizeof(NodeRuntime) + 8 * (sizeof(MilliDevices) + sizeof(MiB) + 1);
  EXPECT_GT(state.MemoryBytes(), 100 * per_node + 8 * sizeof(DeviceSpec));
}

}  // namespace
}  // namespace manychip
