#include <functional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "tests/testing/test_catalog.h"

namespace manychip::codec {
namespace {

using ::testing::StartsWith;

// Four P800s in two linked pairs, listed out of index order.
constexpr char kBaseNode[] = R"json({
  "name": "n1", "arch": "amd64", "cpu_milli": 64000, "memory_mib": 262144,
  "labels": {"pool": "a"}, "taints": [{"key": "dedicated", "value": "x"}],
  "topology_path": ["zone-a", "rack-1"], "board": "kunlun-p800-8",
  "software": {"xre": "5.0.21.26"},
  "devices": [
    {"index": 1, "uuid": "u1", "model": "P800", "numa_node": 0,
     "links": [{"peer": 0, "link_class": "HIGH_SPEED"}]},
    {"index": 0, "uuid": "u0", "model": "kunlun-p800", "numa_node": 0,
     "links": [{"peer": 1, "link_class": "HIGH_SPEED"}]},
    {"index": 2, "uuid": "u2", "model": "kunlun-p800", "numa_node": 1, "health": "UNHEALTHY",
     "health_reason": "xid 79", "links": [{"peer": 3, "link_class": "SAME_CPU"}]},
    {"index": 3, "uuid": "u3", "model": "kunlun-p800", "numa_node": 1, "memory_mib": 90000,
     "links": [{"peer": 2, "link_class": "SAME_CPU"}]}
  ]
})json";

v1::Node BaseNode() {
  v1::Node node;
  absl::Status status = ParseJson(kBaseNode, "base", &node);
  EXPECT_TRUE(status.ok()) << status;
  return node;
}

TEST(NodeCodecTest, BaseNodeIsValidAndSortedByIndex) {
  auto node = NodeFromProto(BaseNode(), testing::TestCatalog());
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->arch, Arch::kX86_64);
  ASSERT_EQ(node->devices.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(node->devices[i].index, i);
  EXPECT_EQ(node->devices[1].uuid, "u1");
  EXPECT_EQ(node->devices[0].memory.raw(), 98304);  // catalog default
  EXPECT_EQ(node->devices[3].memory.raw(), 90000);  // the inventory's own figure
  EXPECT_FALSE(node->devices[2].healthy);
  EXPECT_EQ(node->devices[2].health_reason, "xid 79");
  EXPECT_EQ(node->devices[0].physical_id, -1);  // absent: same as index
  EXPECT_EQ(node->devices[2].links[0].link_class, LinkClass::kSameCpu);
  EXPECT_FALSE(node->taints[0].prefer_no_schedule);
}

TEST(NodeCodecTest, LiteralPhysicalIds) {
  v1::Node p = BaseNode();
  for (int i = 0; i < p.devices_size(); ++i) {
    p.mutable_devices(i)->set_physical_id(p.devices(i).index() + 4);
  }
  auto node = NodeFromProto(p, testing::TestCatalog());
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->devices[0].physical_id, 4);
}

struct BadNode {
  const char* name;
  std::function<void(v1::Node&)> mutate;
  const char* message;
};

class BadNodeTest : public ::testing::TestWithParam<BadNode> {};

TEST_P(BadNodeTest, IsRejectedWithFieldPath) {
  v1::Node p = BaseNode();
  GetParam().mutate(p);
  auto node = NodeFromProto(p, testing::TestCatalog(), "nodes[3].");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(node.status().message()), StartsWith(GetParam().message));
}

const BadNode kBadNodes[] = {
    {"MissingName", [](v1::Node& n) { n.clear_name(); },
     "nodes[3].name: must match [a-z0-9][a-z0-9._-]{0,62}, got \"\""},
    {"MissingArch", [](v1::Node& n) { n.clear_arch(); },
     "nodes[3].arch: must be set (x86_64, aarch64 or riscv64)"},
    {"UnknownArch", [](v1::Node& n) { n.set_arch("mips"); },
     "nodes[3].arch: unknown architecture \"mips\""},
    {"NoCpu", [](v1::Node& n) { n.set_cpu_milli(0); }, "nodes[3].cpu_milli: must be > 0, got 0"},
    {"NegativeMemory", [](v1::Node& n) { n.set_memory_mib(-1); },
     "nodes[3].memory_mib: must be > 0, got -1"},
    {"IndexOutOfRange", [](v1::Node& n) { n.mutable_devices(3)->set_index(7); },
     "nodes[3].devices[3].index: must be in 0..3 (one per device), got 7"},
    {"DuplicateIndex", [](v1::Node& n) { n.mutable_devices(2)->set_index(1); },
     "nodes[3].devices[2].index: duplicate index 1 (also devices[0])"},
    {"UnknownModel", [](v1::Node& n) { n.mutable_devices(2)->set_model("p900"); },
     "nodes[3].devices[2].model: unknown device model \"p900\""},
    {"NegativeDeviceMemory", [](v1::Node& n) { n.mutable_devices(0)->set_memory_mib(-8); },
     "nodes[3].devices[0].memory_mib: must be >= 0, got -8"},
    {"MemoryUnknownEverywhere",
     [](v1::Node& n) { n.mutable_devices(0)->set_model("iluvatar-bi-v150"); },
     "nodes[3].devices[0].memory_mib: must be given: the catalog does not know the memory of "
     "iluvatar-bi-v150"},
    {"BadNuma", [](v1::Node& n) { n.mutable_devices(0)->set_numa_node(-2); },
     "nodes[3].devices[0].numa_node: must be >= -1 (-1 = unknown), got -2"},
    {"LinkPeerOutOfRange", [](v1::Node& n) { n.mutable_devices(0)->mutable_links(0)->set_peer(9); },
     "nodes[3].devices[0].links[0].peer: must be a device index in 0..3, got 9"},
    {"LinkToSelf", [](v1::Node& n) { n.mutable_devices(0)->mutable_links(0)->set_peer(1); },
     "nodes[3].devices[0].links[0].peer: a device cannot link to itself"},
    {"DuplicateLink",
     [](v1::Node& n) { *n.mutable_devices(0)->add_links() = n.devices(0).links(0); },
     "nodes[3].devices[0].links[1].peer: duplicate link to device 0"},
    {"LinkWithoutClass",
     [](v1::Node& n) { n.mutable_devices(0)->mutable_links(0)->clear_link_class(); },
     "nodes[3].devices[0].links[0].link_class: must be set to a known link class"},
    {"NegativeLanes", [](v1::Node& n) { n.mutable_devices(0)->mutable_links(0)->set_lanes(-1); },
     "nodes[3].devices[0].links[0].lanes: must be >= 0, got -1"},
    {"OneSidedLink", [](v1::Node& n) { n.mutable_devices(3)->clear_links(); },
     "nodes[3].devices[2].links[0]: device 2 links to 3 but device 3 has no matching link back"},
    {"MismatchedLinkClass",
     [](v1::Node& n) { n.mutable_devices(3)->mutable_links(0)->set_link_class(v1::CROSS_CPU); },
     "nodes[3].devices[2].links[0]: device 2 links to 3 but device 3 has no matching link back"},
    {"DuplicateUuid", [](v1::Node& n) { n.mutable_devices(2)->set_uuid("u1"); },
     "nodes[3].devices[2].uuid: duplicate uuid \"u1\""},
    {"DuplicatePhysicalId",
     [](v1::Node& n) {
       n.mutable_devices(0)->set_physical_id(5);
       n.mutable_devices(1)->set_physical_id(5);
     },
     "nodes[3].devices[0].physical_id: duplicate physical id 5"},
    {"NegativePhysicalId", [](v1::Node& n) { n.mutable_devices(2)->set_physical_id(-3); },
     "nodes[3].devices[2].physical_id: must be >= 0, got -3"},
    {"BadTaintEffect", [](v1::Node& n) { n.mutable_taints(0)->set_effect("NoExecute"); },
     "nodes[3].taints[0].effect: must be \"NoSchedule\" or \"PreferNoSchedule\", got "
     "\"NoExecute\""},
    {"EmptyTaintKey", [](v1::Node& n) { n.mutable_taints(0)->clear_key(); },
     "nodes[3].taints[0].key: must not be empty"},
    {"EmptySoftwareVersion", [](v1::Node& n) { (*n.mutable_software())["cuda"] = ""; },
     "nodes[3].software[\"cuda\"]: value must not be empty"},
    {"EmptyTopologyEntry", [](v1::Node& n) { n.add_topology_path(""); },
     "nodes[3].topology_path[2]: must not be empty"},
    {"EmptyLabelKey", [](v1::Node& n) { (*n.mutable_labels())[""] = "v"; },
     "nodes[3].labels[\"\"]: key must not be empty"},
    {"UnrecognizedDeviceWithoutReason",
     [](v1::Node& n) { n.add_unrecognized_devices()->set_vendor("kunlun"); },
     "nodes[3].unrecognized_devices[0]: vendor and reason are required"},
};

TEST(NodeCodecTest, UnrecognizedDevicesRoundTripAndAreNotDevices) {
  v1::Node p = BaseNode();
  v1::UnrecognizedDevice* u = p.add_unrecognized_devices();
  u->set_vendor("kunlun");
  u->set_pci_bus_id("0000:c1:00.0");
  u->set_pci_vendor_id("1d22");
  u->set_pci_device_id("ffff");
  u->set_numa_node(1);
  u->set_reason("PCI device id 1d22:ffff is in no catalog model of vendor kunlun");
  auto node = NodeFromProto(p, testing::TestCatalog());
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->devices.size(), 4u);  // never a schedulable device
  ASSERT_EQ(node->unrecognized_devices.size(), 1u);
  EXPECT_EQ(node->unrecognized_devices[0].pci_device_id, "ffff");
  const v1::Node back = NodeToProto(*node, testing::TestCatalog());
  ASSERT_EQ(back.unrecognized_devices_size(), 1);
  EXPECT_EQ(back.unrecognized_devices(0).SerializeAsString(), u->SerializeAsString());
}

INSTANTIATE_TEST_SUITE_P(Rules, BadNodeTest, ::testing::ValuesIn(kBadNodes),
                         [](const ::testing::TestParamInfo<BadNode>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace manychip::codec
