// Device physical ids: present vs absent, and uniqueness per vendor (a host
// may carry /dev/nvidia0 and /dev/davinci0 side by side).

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "tests/testing/test_catalog.h"

namespace manychip::codec {
namespace {

constexpr int kAbsent = -1;

// One device per entry of `models`, indexes in order; physical_ids[i] ==
// kAbsent leaves the field out.
v1::Node MakeNode(const std::vector<std::string>& models, const std::vector<int>& physical_ids) {
  v1::Node node;
  node.set_name("n1");
  node.set_arch("x86_64");
  node.set_cpu_milli(64000);
  node.set_memory_mib(262144);
  for (size_t i = 0; i < models.size(); ++i) {
    v1::Device* d = node.add_devices();
    d->set_index(static_cast<int>(i));
    d->set_model(models[i]);
    if (physical_ids[i] != kAbsent) d->set_physical_id(physical_ids[i]);
  }
  return node;
}

// 8 NVIDIA cards then 8 Ascend chips, each vendor numbered 0..7.
v1::Node NvidiaAndAscend() {
  std::vector<std::string> models;
  std::vector<int> ids;
  for (int i = 0; i < 8; ++i) {
    models.push_back("nvidia-h100");
    ids.push_back(i);
  }
  for (int i = 0; i < 8; ++i) {
    models.push_back("ascend-910b");
    ids.push_back(i);
  }
  return MakeNode(models, ids);
}

std::string ErrorOf(const v1::Node& proto) {
  auto node = NodeFromProto(proto, testing::TestCatalog(), "nodes[2].");
  if (node.ok()) return "ok";
  EXPECT_EQ(node.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(node.status().message());
}

TEST(PhysicalIdTest, TwoVendorsMayBothUseZero) {
  auto node = NodeFromProto(NvidiaAndAscend(), testing::TestCatalog());
  ASSERT_TRUE(node.ok()) << node.status();
  for (int i = 0; i < 16; ++i) EXPECT_EQ(node->devices[i].physical_id, i % 8) << i;
}

TEST(PhysicalIdTest, KunlunKeepsItsZeroOnAMixedHostThroughTheWire) {
  // What discovery builds on the fixture-mixed host: one card per vendor, each
  // its vendor's device 0. Encoding used to drop the zeros, and the Kunlun
  // card then fell back to its node index (/dev/xpu1).
  const Catalog& catalog = testing::TestCatalog();
  NodeSpec spec;
  spec.name = "mixed-1";
  spec.arch = Arch::kAarch64;
  spec.cpu = MilliCpu::FromRaw(64000);
  spec.memory = MiB::FromRaw(262144);
  const char* models[] = {"ascend-910b3", "kunlun-p800", "ppu-zw810e"};
  for (int i = 0; i < 3; ++i) {
    DeviceSpec d;
    d.index = i;
    d.model = testing::TestModel(models[i]);
    d.memory = catalog.model(d.model).memory;
    d.physical_id = 0;
    spec.devices.push_back(d);
  }
  v1::Node wire = NodeToProto(spec, catalog);
  auto json = ToJson(wire);
  ASSERT_TRUE(json.ok()) << json.status();
  v1::Node parsed;
  ASSERT_TRUE(ParseJson(*json, "wire", &parsed).ok());
  auto back = NodeFromProto(parsed, catalog);
  ASSERT_TRUE(back.ok()) << back.status();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(back->devices[i].physical_id, 0) << models[i];
}

TEST(PhysicalIdTest, DuplicateWithinOneVendorIsRejected) {
  v1::Node p = NvidiaAndAscend();
  p.mutable_devices(13)->set_physical_id(2);  // Ascend 10 already has 2
  EXPECT_EQ(ErrorOf(p),
            "nodes[2].devices[13].physical_id: duplicate physical id 2 among ascend devices "
            "(also devices[10])");
}

TEST(PhysicalIdTest, DuplicateReportsTheInputPosition) {
  // Input listed backwards: position 0 is index 2.
  v1::Node p = MakeNode({"ascend-910b", "ascend-910b", "ascend-910b"}, {5, 6, 5});
  for (int i = 0; i < 3; ++i) p.mutable_devices(i)->set_index(2 - i);
  // Index order visits position 2 (index 0) first, then position 0 (index 2).
  EXPECT_EQ(ErrorOf(p),
            "nodes[2].devices[0].physical_id: duplicate physical id 5 among ascend devices "
            "(also devices[2])");
}

TEST(PhysicalIdTest, ClashWithAnAbsentIdNamesTheLiteralOne) {
  // Index 0 has none, so it is physical 0; index 1 claims 0 as well.
  EXPECT_EQ(ErrorOf(MakeNode({"kunlun-p800", "kunlun-p800"}, {kAbsent, 0})),
            "nodes[2].devices[1].physical_id: duplicate physical id 0 among kunlun devices "
            "(devices[0] has none, so it uses its index 0)");
  // Same clash, the literal one visited first.
  EXPECT_EQ(ErrorOf(MakeNode({"kunlun-p800", "kunlun-p800"}, {1, kAbsent})),
            "nodes[2].devices[0].physical_id: duplicate physical id 1 among kunlun devices "
            "(devices[1] has none, so it uses its index 1)");
}

TEST(PhysicalIdTest, AbsentIdsOfAnotherVendorDoNotClash) {
  // NVIDIA 0..1 without ids (physical 0..1), Ascend 2..3 numbered 0..1.
  auto node = NodeFromProto(MakeNode({"nvidia-h100", "nvidia-h100", "ascend-910b", "ascend-910b"},
                                     {kAbsent, kAbsent, 0, 1}),
                            testing::TestCatalog());
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->devices[0].physical_id, -1);
  EXPECT_EQ(node->devices[2].physical_id, 0);
}

TEST(PhysicalIdTest, LiteralZeroAfterIndexZeroRoundTrips) {
  const Catalog& catalog = testing::TestCatalog();
  auto node = NodeFromProto(MakeNode({"ascend-910b", "ascend-910b"}, {1, 0}), catalog);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->devices[1].physical_id, 0);
  v1::Node once = NodeToProto(*node, catalog);
  ASSERT_TRUE(once.devices(1).has_physical_id());
  EXPECT_EQ(once.devices(1).physical_id(), 0);
  auto json = ToJson(once);
  ASSERT_TRUE(json.ok()) << json.status();
  v1::Node parsed;
  ASSERT_TRUE(ParseJson(*json, "stored", &parsed).ok());
  auto again = NodeFromProto(parsed, catalog);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->devices[0].physical_id, 1);
  EXPECT_EQ(again->devices[1].physical_id, 0);
}

TEST(PhysicalIdTest, AbsentStaysAbsent) {
  const Catalog& catalog = testing::TestCatalog();
  auto node = NodeFromProto(MakeNode({"nvidia-h100", "nvidia-h100"}, {kAbsent, 7}), catalog);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->devices[0].physical_id, -1);
  v1::Node once = NodeToProto(*node, catalog);
  EXPECT_FALSE(once.devices(0).has_physical_id());
  EXPECT_TRUE(once.devices(1).has_physical_id());
  auto json = ToJson(once);
  ASSERT_TRUE(json.ok()) << json.status();
  v1::Node parsed;
  ASSERT_TRUE(ParseJson(*json, "stored", &parsed).ok());
  EXPECT_FALSE(parsed.devices(0).has_physical_id());
  auto again = NodeFromProto(parsed, catalog);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->devices[0].physical_id, -1);
  EXPECT_EQ(again->devices[1].physical_id, 7);
}

TEST(PhysicalIdTest, JsonZeroIsPresent) {
  v1::Node p;
  ASSERT_TRUE(ParseJson(R"json({"devices": [{"index": 0, "physical_id": 0}, {"index": 1}]})json",
                        "inventory", &p)
                  .ok());
  EXPECT_TRUE(p.devices(0).has_physical_id());
  EXPECT_FALSE(p.devices(1).has_physical_id());
}

TEST(PhysicalIdTest, NegativeIsRejectedEvenMinusOne) {
  // -1 is DeviceSpec's "absent"; written out it is still bad input.
  EXPECT_EQ(ErrorOf(MakeNode({"nvidia-h100", "nvidia-h100"}, {0, -3})),
            "nodes[2].devices[1].physical_id: must be >= 0, got -3");
  v1::Node p = MakeNode({"nvidia-h100"}, {kAbsent});
  p.mutable_devices(0)->set_physical_id(-1);
  EXPECT_EQ(ErrorOf(p), "nodes[2].devices[0].physical_id: must be >= 0, got -1");
}

}  // namespace
}  // namespace manychip::codec
