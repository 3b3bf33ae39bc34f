// The NVML-result-to-inventory mapping with fake NVML results (no GPU here).

#include "adapters/device/nvidia/nvml_inventory.h"

#include "adapters/device/nvidia/nvidia_adapter.h"
#include "gtest/gtest.h"
#include "tests/testing/test_catalog.h"

namespace manychip {
namespace {

nvidia::NvmlSnapshot Hgx(int n, bool nvlink) {
  nvidia::NvmlSnapshot s;
  s.driver_version = "550.54.15";
  s.cuda_driver_version = 12040;
  for (int i = 0; i < n; ++i) {
    nvidia::NvmlGpu g;
    g.uuid = "GPU-" + std::to_string(i);
    g.name = "NVIDIA H100 80GB HBM3";
    g.memory_total_bytes = uint64_t{81559} << 20;
    g.pci_bus_id = "00000000:1B:00.0";
    g.numa_node = i < n / 2 ? 0 : 1;
    g.cc_major = 9;
    s.gpus.push_back(g);
  }
  s.pairs.assign(n, std::vector<nvidia::NvmlPair>(n));
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      s.pairs[i][j].nvlink_p2p = nvlink;
      s.pairs[i][j].level = (i < n / 2) == (j < n / 2) ? nvidia::NvmlTopoLevel::kNode
                                                       : nvidia::NvmlTopoLevel::kSystem;
    }
  }
  return s;
}

TEST(NvmlInventoryTest, MapsAnHgxNode) {
  const Catalog& catalog = testing::TestCatalog();
  auto inv = nvidia::NvmlToInventory(Hgx(8, true), catalog);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->board, "hgx-8");
  ASSERT_EQ(inv->devices.size(), 8u);
  const DeviceSpec& d = inv->devices[5];
  EXPECT_EQ(catalog.model(d.model).id, "nvidia-h100");
  EXPECT_EQ(d.memory.raw(), 81559);
  EXPECT_EQ(d.uuid, "GPU-5");
  EXPECT_EQ(d.pci_bus_id, "0000:1b:00.0");
  EXPECT_EQ(d.numa_node, 1);
  ASSERT_EQ(d.links.size(), 7u);
  EXPECT_EQ(d.links[0].link_class, LinkClass::kHighSpeed);
  EXPECT_EQ(inv->software.at("nvidia-driver"), "550.54.15");
  EXPECT_EQ(inv->software.at("cuda"), "12.4");
}

TEST(NvmlInventoryTest, PcieNodeKeepsP2PClasses) {
  auto inv = nvidia::NvmlToInventory(Hgx(4, false), testing::TestCatalog());
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->board, "pcie");
  EXPECT_EQ(inv->devices[0].links[0].link_class, LinkClass::kSameCpu);   // 0-1
  EXPECT_EQ(inv->devices[0].links[2].link_class, LinkClass::kCrossCpu);  // 0-3
}

TEST(NvmlInventoryTest, UnknownGpuAndBadShapesAreErrors) {
  auto s = Hgx(2, true);
  s.gpus[1].name = "NVIDIA Mystery 1";
  auto inv = nvidia::NvmlToInventory(s, testing::TestCatalog());
  ASSERT_FALSE(inv.ok());
  EXPECT_NE(inv.status().message().find("Mystery"), std::string::npos);
  // Found by PCI device id when the name is unknown.
  s.gpus[1].pci_device_id = (0x2330u << 16) | 0x10de;
  inv = nvidia::NvmlToInventory(s, testing::TestCatalog());
  ASSERT_TRUE(inv.ok()) << inv.status();
  s.pairs.pop_back();
  EXPECT_FALSE(nvidia::NvmlToInventory(s, testing::TestCatalog()).ok());
  // No GPUs: empty inventory, no board.
  inv = nvidia::NvmlToInventory(nvidia::NvmlSnapshot{}, testing::TestCatalog());
  ASSERT_TRUE(inv.ok());
  EXPECT_TRUE(inv->devices.empty());
  EXPECT_EQ(inv->board, "");
}

TEST(NvmlInventoryTest, XidAndDriverRules) {
  EXPECT_TRUE(nvidia::XidMarksUnhealthy(79));   // fallen off the bus
  EXPECT_TRUE(nvidia::XidMarksUnhealthy(48));   // double-bit ECC
  EXPECT_FALSE(nvidia::XidMarksUnhealthy(13));  // application error
  EXPECT_FALSE(nvidia::XidMarksUnhealthy(43));
  EXPECT_EQ(nvidia::MinDriverForCuda(11), 450);
  EXPECT_EQ(nvidia::MinDriverForCuda(12), 525);
  EXPECT_EQ(nvidia::MinDriverForCuda(13), 580);
  EXPECT_EQ(nvidia::MinDriverForCuda(10), 0);
}

TEST(NvmlInventoryTest, MigProfilesPerModel) {
  const Catalog& catalog = testing::TestCatalog();
  NvidiaDeviceAdapter nv;
  DeviceModelSpec h20 = *catalog.Find("nvidia-h20");
  h20.partitions.clear();
  auto p = nv.PartitionProfiles(h20);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].name, "1g.12gb");
  EXPECT_EQ(p[0].share.raw(), 142);
  EXPECT_EQ(p[3].name, "7g.96gb");
  EXPECT_EQ(p[3].share.raw(), 1000);
  DeviceModelSpec h100 = *catalog.Find("nvidia-h100");
  h100.partitions.clear();
  EXPECT_EQ(nv.PartitionProfiles(h100)[3].name, "7g.80gb");
  DeviceModelSpec other;
  other.id = "nvidia-h200";
  EXPECT_TRUE(nv.PartitionProfiles(other).empty());  // never H20's table
}

}  // namespace
}  // namespace manychip
