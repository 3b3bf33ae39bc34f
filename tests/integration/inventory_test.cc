// A card discovery could not map to a catalog model travels with the
// node's inventory, is shown by `manychipctl nodes` as UNSCHEDULABLE with
// the reason, and adds nothing to the node's schedulable capacity.

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "tests/integration/harness.h"

namespace manychip::testing {
namespace {

TEST(InventoryTest, AnUnrecognizedCardIsListedUnschedulableWithItsReason) {
  Cluster c;
  v1::Node inv;
  ASSERT_TRUE(codec::ReadJsonFile(Src("examples/inventories/x86-h20.json"), &inv).ok());
  v1::UnrecognizedDevice* u = inv.add_unrecognized_devices();
  u->set_vendor("nvidia");
  u->set_pci_bus_id("0000:9a:00.0");
  u->set_pci_vendor_id("10de");
  u->set_pci_device_id("2bff");
  u->set_numa_node(1);
  u->set_reason(
      "PCI device id 10de:2bff is in no catalog model of vendor nvidia; not schedulable until "
      "the catalog lists it");
  auto json = codec::ToJson(inv);
  ASSERT_TRUE(json.ok()) << json.status();
  std::ofstream(c.File("inventory.json")) << *json;

  ASSERT_TRUE(c.StartDaemon());
  c.StartAgent("gpu-1", c.File("inventory.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(15))) << c.Logs();

  CtlResult nodes = c.Ctl({"nodes"});
  ASSERT_EQ(nodes.code, 0) << nodes.out;
  EXPECT_TRUE(absl::StrContains(nodes.out, " +1 unschedulable")) << nodes.out;
  EXPECT_TRUE(absl::StrContains(
      nodes.out,
      "  UNSCHEDULABLE 0000:9a:00.0 nvidia 10de:2bff: PCI device id 10de:2bff is in no "
      "catalog model of vendor nvidia; not schedulable until the catalog lists it"))
      << nodes.out;
  CtlResult describe = c.Ctl({"describe", "node", "gpu-1"});
  ASSERT_EQ(describe.code, 0) << describe.out;
  EXPECT_TRUE(absl::StrContains(describe.out, "UNSCHEDULABLE 0000:9a:00.0")) << describe.out;

  // Only the eight known cards count as capacity.
  auto listed = c.ListNodes();
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->nodes_size(), 1);
  EXPECT_EQ(listed->nodes(0).total_milli_devices(), 8000);
  EXPECT_EQ(listed->nodes(0).node().unrecognized_devices_size(), 1);
}

}  // namespace
}  // namespace manychip::testing
