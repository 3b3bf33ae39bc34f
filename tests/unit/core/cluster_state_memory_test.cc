// Device-table interning in ClusterState (see cluster_state.h, "Memory"):
// identical boards share one immutable table, identities stay per node,
// removal releases, health changes never write a shared table.

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "manychip/core/cluster_state.h"
#include "src/core/device_ids.h"
#include "tests/testing/cluster_builder.h"

namespace manychip {
namespace {

using testing::CoreCatalog;

// An 8-card NVLink board as discovery reports it, with per-node identities.
NodeSpec Board(const Catalog& catalog, const std::string& name, int32_t lanes = 18) {
  NodeSpec n;
  n.name = name;
  n.cpu = MilliCpu::FromRaw(64000);
  n.memory = MiB::FromRaw(512 * 1024);
  n.board = "hgx-8";
  for (int32_t d = 0; d < 8; ++d) {
    DeviceSpec dev;
    dev.index = d;
    dev.model = catalog.Find("nvidia-h20")->index;
    dev.numa_node = d / 4;
    dev.uuid = absl::StrCat("GPU-", name, "-", d);
    dev.pci_bus_id = absl::StrCat("0000:", 18 + d, ":00.0");
    for (int32_t p = 0; p < 8; ++p) {
      if (p != d) dev.links.push_back(DeviceLinkSpec{p, LinkClass::kHighSpeed, lanes});
    }
    n.devices.push_back(std::move(dev));
  }
  return n;
}

TEST(DeviceListTest, CopiesShareUntilWritten) {
  DeviceList a;
  EXPECT_TRUE(a.empty());
  a.push_back(DeviceSpec{});
  a[0].numa_node = 1;
  DeviceList b = a;
  EXPECT_TRUE(a.SharesTableWith(b));
  EXPECT_EQ(a.share_count(), 2);
  b[0].numa_node = 2;  // copy on write
  EXPECT_FALSE(a.SharesTableWith(b));
  EXPECT_EQ(std::as_const(a)[0].numa_node, 1);
  EXPECT_EQ(std::as_const(b)[0].numa_node, 2);
  EXPECT_EQ(a.share_count(), 1);
}

TEST(DeviceIdsTest, KeepsEachDevicesIdentity) {
  DeviceList::Table t(3);
  t[0].uuid = "GPU-0123456789abcdef0123456789abcdef0123";
  t[0].pci_bus_id = "0000:18:00.0";
  t[2].uuid = "u2";  // device 1 has none
  internal::DeviceIds ids(t);
  EXPECT_EQ(ids.uuid(0), t[0].uuid);
  EXPECT_EQ(ids.pci_bus_id(0), "0000:18:00.0");
  EXPECT_EQ(ids.uuid(1), "");
  EXPECT_EQ(ids.pci_bus_id(1), "");
  EXPECT_EQ(ids.uuid(2), "u2");
  EXPECT_EQ(ids.uuid(3), "");  // out of range
  EXPECT_EQ(ids.MemoryBytes(), 4u * 7 + t[0].uuid.size() + 12 + 2);
  EXPECT_EQ(internal::DeviceIds(DeviceList::Table(8)).MemoryBytes(), 0u);  // none: no heap
}

TEST(ClusterStateMemoryTest, IdenticalBoardsShareOneTableAndKeepTheirIdentity) {
  auto catalog = CoreCatalog();
  ClusterState state(catalog.get());
  auto a = state.AddNode(Board(*catalog, "a"));
  auto b = state.AddNode(Board(*catalog, "b"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(state.device_table_count(), 1u);
  EXPECT_TRUE(state.spec(*a).devices.SharesTableWith(state.spec(*b).devices));
  EXPECT_EQ(state.spec(*a).devices[3].uuid, "");  // moved out of the shared table
  EXPECT_EQ(state.device_uuid(*a, 3), "GPU-a-3");
  EXPECT_EQ(state.device_uuid(*b, 3), "GPU-b-3");
  EXPECT_EQ(state.device_pci_bus_id(*b, 7), "0000:25:00.0");
  EXPECT_EQ(state.spec(*a).devices[3].links.size(), 7u);
  EXPECT_EQ(state.spec(*a).devices[3].memory, catalog->Find("nvidia-h20")->memory);
  // The full spec round-trips what was added.
  NodeSpec full = state.SpecWithIdentity(*b);
  NodeSpec want = Board(*catalog, "b");
  for (DeviceSpec& d : want.devices) d.memory = catalog->Find("nvidia-h20")->memory;
  EXPECT_EQ(full.name, "b");
  EXPECT_TRUE(full.devices.table() == want.devices.table());
  EXPECT_TRUE(state.CheckConsistency().ok());
}

TEST(ClusterStateMemoryTest, DifferentBoardsDoNotShare) {
  auto catalog = CoreCatalog();
  ClusterState state(catalog.get());
  ASSERT_TRUE(state.AddNode(Board(*catalog, "a", 18)).ok());
  ASSERT_TRUE(state.AddNode(Board(*catalog, "b", 12)).ok());  // other NVLink width
  NodeSpec c = Board(*catalog, "c");
  c.devices[5].numa_node = 0;
  ASSERT_TRUE(state.AddNode(c).ok());
  EXPECT_EQ(state.device_table_count(), 3u);
  EXPECT_FALSE(state.spec(0).devices.SharesTableWith(state.spec(1).devices));
  EXPECT_EQ(state.spec(1).devices[0].links[0].lanes, 12);
  EXPECT_EQ(state.spec(2).devices[5].numa_node, 0);
}

TEST(ClusterStateMemoryTest, RemovedNodeReleasesItsTable) {
  auto catalog = CoreCatalog();
  ClusterState state(catalog.get());
  ASSERT_TRUE(state.AddNode(Board(*catalog, "a")).ok());
  ASSERT_TRUE(state.AddNode(Board(*catalog, "b")).ok());
  ASSERT_TRUE(state.AddNode(Board(*catalog, "c", 12)).ok());
  DeviceList held = state.spec(0).devices;
  EXPECT_EQ(held.share_count(), 4);  // the intern entry, nodes a and b, `held`
  ASSERT_TRUE(state.RemoveNode(0).ok());
  EXPECT_EQ(held.share_count(), 3);
  EXPECT_TRUE(state.spec(0).devices.empty());
  EXPECT_EQ(state.device_uuid(0, 0), "");
  EXPECT_EQ(state.device_table_count(), 2u);
  ASSERT_TRUE(state.RemoveNode(1).ok());
  EXPECT_EQ(held.share_count(), 1);  // the state let go of it
  EXPECT_EQ(state.device_table_count(), 1u);
  ASSERT_TRUE(state.RemoveNode(2).ok());
  EXPECT_EQ(state.device_table_count(), 0u);
  EXPECT_TRUE(state.CheckConsistency().ok());
  // A node with the same name and board comes back and interns afresh.
  ASSERT_TRUE(state.AddNode(Board(*catalog, "a")).ok());
  EXPECT_EQ(state.device_table_count(), 1u);
  EXPECT_EQ(state.device_uuid(3, 2), "GPU-a-2");
  EXPECT_TRUE(state.CheckConsistency().ok());
}

TEST(ClusterStateMemoryTest, HealthChangesNeverWriteASharedTable) {
  auto catalog = CoreCatalog();
  ClusterState state(catalog.get());
  ASSERT_TRUE(state.AddNode(Board(*catalog, "a")).ok());
  ASSERT_TRUE(state.AddNode(Board(*catalog, "b")).ok());
  const DeviceList before = state.spec(1).devices;
  ASSERT_TRUE(state.SetDeviceHealth(0, 3, false, "xid 79").ok());
  EXPECT_FALSE(state.spec(0).devices[3].healthy);
  EXPECT_EQ(state.spec(0).devices[3].health_reason, "xid 79");
  EXPECT_TRUE(state.spec(1).devices[3].healthy);
  EXPECT_TRUE(before[3].healthy);
  EXPECT_TRUE(before.SharesTableWith(state.spec(1).devices));
  EXPECT_EQ(state.device_table_count(), 2u);
  EXPECT_EQ(state.device_uuid(0, 3), "GPU-a-3");  // identity untouched
  EXPECT_EQ(state.view(0).device_free()[3].raw(), 0);
  // A new reason alone swaps tables too, and still leaves node b alone.
  ASSERT_TRUE(state.SetDeviceHealth(0, 3, false, "xid 48").ok());
  EXPECT_EQ(state.spec(0).devices[3].health_reason, "xid 48");
  EXPECT_EQ(state.device_table_count(), 2u);  // the "xid 79" table was released
  // Healthy again: back to the board's shared table.
  ASSERT_TRUE(state.SetDeviceHealth(0, 3, true, "").ok());
  EXPECT_TRUE(state.spec(0).devices.SharesTableWith(state.spec(1).devices));
  EXPECT_EQ(state.device_table_count(), 1u);
  EXPECT_TRUE(state.CheckConsistency().ok());
}

TEST(ClusterStateMemoryTest, AllocationsLeaveTheSharedTableShared) {
  auto catalog = CoreCatalog();
  ClusterState state(catalog.get());
  ASSERT_TRUE(state.AddNode(Board(*catalog, "a")).ok());
  ASSERT_TRUE(state.AddNode(Board(*catalog, "b")).ok());
  AllocationRequest r;
  r.task = TaskRef{"j", 0, 0};
  r.node = 0;
  r.devices = {0, 1};
  r.share = MilliDevices::FromRaw(kMilliPerDevice);
  auto id = state.Assume(r);
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(state.Bind(*id).ok());
  ASSERT_TRUE(state.Forget(*id).ok());
  ASSERT_TRUE(state.SetDeviceHealth(0, 2, true, "").ok());  // no change
  EXPECT_TRUE(state.spec(0).devices.SharesTableWith(state.spec(1).devices));
  EXPECT_EQ(state.device_table_count(), 1u);
  EXPECT_TRUE(state.CheckConsistency().ok());
}

TEST(ClusterStateMemoryTest, EqualCpuFeatureListsShareOneCopy) {
  auto catalog = CoreCatalog();
  ClusterState state(catalog.get());
  NodeSpec a = Board(*catalog, "a");
  a.cpu_features = std::vector<std::string>{"avx2", "avx512f", "amx_bf16"};
  NodeSpec b = Board(*catalog, "b");
  b.cpu_features = std::vector<std::string>{"avx2", "avx512f", "amx_bf16"};
  NodeSpec c = Board(*catalog, "c");
  c.cpu_features = std::vector<std::string>{"asimd", "sve"};
  ASSERT_TRUE(state.AddNode(a).ok() && state.AddNode(b).ok() && state.AddNode(c).ok());
  EXPECT_TRUE(state.spec(0).cpu_features.SharesTableWith(state.spec(1).cpu_features));
  EXPECT_FALSE(state.spec(0).cpu_features.SharesTableWith(state.spec(2).cpu_features));
  EXPECT_EQ(state.spec(1).cpu_features.size(), 3u);
  EXPECT_EQ(state.spec(2).cpu_features[1], "sve");
  const SharedVector<std::string> held = state.spec(2).cpu_features;
  ASSERT_TRUE(state.RemoveNode(2).ok());
  EXPECT_EQ(held.share_count(), 1);  // released by the state
}

TEST(ClusterStateMemoryTest, MemoryCountsASharedTableOnce) {
  auto catalog = CoreCatalog();
  ClusterState state(catalog.get());
  for (int i = 0; i < 64; ++i)
    ASSERT_TRUE(state.AddNode(Board(*catalog, absl::StrCat("n", i))).ok());
  const size_t at64 = state.MemoryBytes();
  for (int i = 64; i < 128; ++i) {
    ASSERT_TRUE(state.AddNode(Board(*catalog, absl::StrCat("n", i))).ok());
  }
  const size_t per_node = (state.MemoryBytes() - at64) / 64;
  // One unshared table alone is 8 devices x (a DeviceSpec + 7 links).
  const size_t table = 8 * (sizeof(DeviceSpec) + 7 * sizeof(DeviceLinkSpec));
  EXPECT_LT(per_node, table);
  // ... but the identities (8 x ~24 chars) are counted per node.
  EXPECT_GT(per_node, 8u * 20);
}

}  // namespace
}  // namespace manychip
