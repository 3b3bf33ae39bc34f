// Visibility: both selector layers plus device nodes, physical and logical
// ids kept apart.

#include "adapters/device/fake/fake_adapter.h"
#include "gtest/gtest.h"
#include "manychip/adapters/builtin.h"
#include "tests/testing/test_catalog.h"
#include "tests/unit/adapters/adapter_test_util.h"

namespace manychip {
namespace {

using adapters_test::MakeNode;

const DeviceAdapter& Adapter(const AdapterRegistry& r, const char* vendor) {
  const DeviceAdapter* a = r.FindDevice(vendor);
  EXPECT_NE(a, nullptr) << vendor;
  return *a;
}

bool HasNode(const Visibility& v, const std::string& n) {
  return std::find(v.device_nodes.begin(), v.device_nodes.end(), n) != v.device_nodes.end();
}

TEST(VisibilityTest, AscendKeepsLogicalAndPhysicalApart) {
  AdapterRegistry r;
  ASSERT_TRUE(RegisterBuiltinAdapters(r).ok());
  NodeSpec node = MakeNode("ascend-310p-card", 4);
  for (int i = 0; i < 4; ++i) node.devices[i].physical_id = 10 + i;  // davinci10..13
  const std::vector<int32_t> pick = {1, 3};
  Visibility v = Adapter(r, "ascend").VisibilityFor(node, pick);
  EXPECT_EQ(v.env.at("ASCEND_RT_VISIBLE_DEVICES"), "1,3");
  EXPECT_EQ(v.env.at("ASCEND_VISIBLE_DEVICES"), "11,13");
  EXPECT_EQ(v.container_env.at("ASCEND_VISIBLE_DEVICES"), "11,13");
  EXPECT_EQ(v.container_env.at("ASCEND_RT_VISIBLE_DEVICES"), "0,1");
  EXPECT_TRUE(HasNode(v, "/dev/davinci11"));
  EXPECT_TRUE(HasNode(v, "/dev/davinci13"));
  EXPECT_FALSE(HasNode(v, "/dev/davinci1"));
  EXPECT_TRUE(HasNode(v, "/dev/davinci_manager"));
  EXPECT_TRUE(HasNode(v, "/dev/devmm_svm"));
  EXPECT_FALSE(v.mounts.empty());
}

TEST(VisibilityTest, NvidiaUsesUuidsAndDeviceNodes) {
  AdapterRegistry r;
  ASSERT_TRUE(RegisterBuiltinAdapters(r).ok());
  NodeSpec node = MakeNode("hgx-8", 8);
  Visibility v = Adapter(r, "nvidia").VisibilityFor(node, std::vector<int32_t>{2, 5});
  EXPECT_EQ(v.env.at("CUDA_VISIBLE_DEVICES"), "DEV-2,DEV-5");
  EXPECT_EQ(v.env.at("NVIDIA_VISIBLE_DEVICES"), "DEV-2,DEV-5");
  EXPECT_TRUE(HasNode(v, "/dev/nvidia5"));
  EXPECT_TRUE(HasNode(v, "/dev/nvidiactl"));
  node.devices[5].uuid.clear();  // without every UUID: indexes, renumbered in a container
  v = Adapter(r, "nvidia").VisibilityFor(node, std::vector<int32_t>{2, 5});
  EXPECT_EQ(v.env.at("CUDA_VISIBLE_DEVICES"), "2,5");
  EXPECT_EQ(v.container_env.at("CUDA_VISIBLE_DEVICES"), "0,1");
}

TEST(VisibilityTest, KunlunPpuAndGeneric) {
  AdapterRegistry r;
  ASSERT_TRUE(RegisterBuiltinAdapters(r).ok());
  NodeSpec node = MakeNode("kunlun-p800-8", 8);
  Visibility v = Adapter(r, "kunlun").VisibilityFor(node, std::vector<int32_t>{4, 5});
  EXPECT_EQ(v.env.at("XPU_VISIBLE_DEVICES"), "4,5");
  EXPECT_EQ(v.container_env.at("XPU_VISIBLE_DEVICES"), "0,1");
  EXPECT_TRUE(HasNode(v, "/dev/xpu4"));
  EXPECT_TRUE(HasNode(v, "/dev/xpuctrl"));

  NodeSpec ppu = MakeNode("ppu-16", 16);
  ppu.devices[3].uuid = "GPU-019ea108-c110";
  ppu.devices[4].uuid = "PPU-abc";
  v = Adapter(r, "ppu").VisibilityFor(ppu, std::vector<int32_t>{3, 4});
  EXPECT_EQ(v.env.at("CUDA_VISIBLE_DEVICES"), "PPU-019ea108-c110,PPU-abc");

  NodeSpec mlu = MakeNode("", 4);
  v = Adapter(r, "cambricon").VisibilityFor(mlu, std::vector<int32_t>{2});
  EXPECT_EQ(v.env.at("MLU_VISIBLE_DEVICES"), "2");
  EXPECT_EQ(v.env.at("CAMBRICON_VISIBLE_DEVICES"), "2");
  EXPECT_TRUE(HasNode(v, "/dev/cambricon_dev2"));
}

TEST(FakeAdapterTest, InventoryAndRealBoardRules) {
  const Catalog& catalog = testing::TestCatalog();
  const std::string path = adapters_test::Testdata("inventory-box16.json");
  FakeDeviceAdapter fake(path);
  auto found = fake.Discover(catalog, DiscoverOptions{});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->board, "atlas-box16");
  ASSERT_EQ(found->devices.size(), 16u);
  EXPECT_FALSE(found->devices[5].healthy);
  EXPECT_EQ(found->software.at("cann"), "8.0.RC2");

  auto node = LoadFakeNode(path, catalog);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->arch, Arch::kAarch64);
  std::vector<MilliDevices> free(16, MilliDevices::FromRaw(1000));
  free[5] = MilliDevices::Zero();
  // Box16 rules through the fake: 9 is illegal, 8 stays in one ring and
  // avoids the ring with the unhealthy NPU.
  EXPECT_EQ(fake.Choose(*node, free, adapters_test::Cards(9)).failure,
            ChooseFailure::kIllegalCount);
  ChooseResult r = fake.Choose(*node, free, adapters_test::Cards(8));
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.devices.front(), 8);
  EXPECT_TRUE(fake.CheckStack(*node, "cann", "8.0.RC1").ok());
  EXPECT_FALSE(fake.CheckStack(*node, "cann", "8.0.0").ok());

  FakeDeviceAdapter missing("/no/such/inventory.json");
  EXPECT_EQ(missing.Discover(catalog, DiscoverOptions{}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace manychip
