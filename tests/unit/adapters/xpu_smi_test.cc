// Kunlun `xpu-smi` parsers (the `-q` detail view and the default table, P800
// and Kunlun2 shapes) on recorded samples, including truncated, garbled and
// empty output, and Kunlun discovery reading them: devices, ids, memory and
// the "kunlun-driver" / "xre" stacks.

#include "adapters/device/kunlun/xpu_smi.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "adapters/device/kunlun/kunlun_adapter.h"
#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "tests/testing/test_catalog.h"
#include "tests/unit/adapters/adapter_test_util.h"

namespace manychip {
namespace {

using adapters_test::Testdata;

std::string Read(const std::string& rel) { return adapters_test::ReadTestdata(rel); }

void ExpectInvalid(const absl::Status& s, absl::string_view mention) {
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find(mention), absl::string_view::npos) << s;
}

TEST(XpuSmiQueryTest, ParsesEightP800s) {
  auto r = kunlun::ParseXpuSmiQuery(Read("xpu-smi/q_p800_x8.txt"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->driver_version, "5.0.21.26");
  EXPECT_EQ(r->runtime_version, "5.0.21");
  ASSERT_EQ(r->devices.size(), 8u);
  const kunlun::XpuSmiDevice& d = r->devices[5];
  EXPECT_EQ(d.index, 5);
  EXPECT_EQ(d.name, "P800 OAM");
  EXPECT_EQ(d.pci_bus_id, "0000:80:00.0");
  EXPECT_EQ(d.minor, 5);
  EXPECT_EQ(d.uuid, "GPU-5e1f0c2a-77d3-5b10-9c4e-000000000005");
  // The Memory Usage total, not the L3 Usage total printed after it.
  EXPECT_EQ(d.memory_mib, 98304);
}

TEST(XpuSmiQueryTest, TruncatedGarbledAndEmptyAreErrors) {
  ExpectInvalid(kunlun::ParseXpuSmiQuery(Read("xpu-smi/q_truncated.txt")).status(), "truncated");
  ExpectInvalid(kunlun::ParseXpuSmiQuery(Read("xpu-smi/q_garbled.txt")).status(), "line ");
  ExpectInvalid(kunlun::ParseXpuSmiQuery(Read("xpu-smi/q_empty.txt")).status(), "XPU");
  ExpectInvalid(kunlun::ParseXpuSmiQuery("Driver Version : 5.0.21.26\nnonsense here\n").status(),
                "line 2");
  // A block whose PCI Bus Id contradicts its header.
  std::string text = Read("xpu-smi/q_p800_pcie_x2.txt");
  const std::string from = "Bus Id                            : 00000000:40:00.0";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(),
               "Bus Id                            : 00000000:41:00.0");
  ExpectInvalid(kunlun::ParseXpuSmiQuery(text).status(), "differs");
}

TEST(XpuSmiQueryTest, EveryPrefixOfTheSampleIsAnErrorOrTheWholeInventory) {
  // Cutting the output anywhere never yields a smaller inventory.
  const std::string full = Read("xpu-smi/q_p800_x8.txt");
  for (size_t cut = 0; cut < full.size(); cut += 97) {
    auto r = kunlun::ParseXpuSmiQuery(full.substr(0, cut));
    if (r.ok()) {
      EXPECT_EQ(r->devices.size(), 8u) << "cut at " << cut;
    }
  }
}

TEST(XpuSmiTableTest, ParsesP800BoxesAndKunlun2Table) {
  auto r = kunlun::ParseXpuSmiTable(Read("xpu-smi/table_p800_x8.txt"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->driver_version, "5.0.21.26");
  EXPECT_EQ(r->runtime_version, "5.0.21");
  ASSERT_EQ(r->devices.size(), 8u);
  EXPECT_EQ(r->devices[7].name, "P800 OAM");
  EXPECT_EQ(r->devices[7].pci_bus_id, "0000:a0:00.0");
  EXPECT_EQ(r->devices[7].memory_mib, 98304);
  EXPECT_EQ(r->devices[7].minor, -1);

  auto k2 = kunlun::ParseXpuSmiTable(Read("xpu-smi/table_kunlun2.txt"));
  ASSERT_TRUE(k2.ok()) << k2.status();
  EXPECT_EQ(k2->driver_version, "4.0");
  EXPECT_EQ(k2->runtime_version, "4.31");
  ASSERT_EQ(k2->devices.size(), 2u);  // the VIDEO table is not a device list
  EXPECT_EQ(k2->devices[1].name, "R300");
  EXPECT_EQ(k2->devices[1].pci_bus_id, "0000:3c:00.0");
  EXPECT_EQ(k2->devices[1].memory_mib, 32768);
}

TEST(XpuSmiTableTest, TruncatedGarbledSkippedAndEmptyAreErrors) {
  ExpectInvalid(kunlun::ParseXpuSmiTable(Read("xpu-smi/table_truncated.txt")).status(),
                "truncated");
  ExpectInvalid(kunlun::ParseXpuSmiTable(Read("xpu-smi/table_garbled.txt")).status(),
                "not a bus id");
  ExpectInvalid(kunlun::ParseXpuSmiTable(Read("xpu-smi/table_skipped_index.txt")).status(), "0..1");
  ExpectInvalid(kunlun::ParseXpuSmiTable("").status(), "Driver Version");
}

TEST(XpuSmiTest, BusIdsAreNormalisedOrRejected) {
  EXPECT_EQ(kunlun::NormalizeBusId("00000000:A5:00.0"), "0000:a5:00.0");
  EXPECT_EQ(kunlun::NormalizeBusId("0000:03:00.0"), "0000:03:00.0");
  EXPECT_EQ(kunlun::NormalizeBusId("0000:0g:00.0"), "");
  EXPECT_EQ(kunlun::NormalizeBusId("03:00.0"), "");
}

// A recorded-host tool directory holding one recording; returns the dir.
std::string OneRecording(const std::string& dir_name, const std::string& file,
                         const std::string& sample) {
  const std::string dir = ::testing::TempDir() + "/" + dir_name;
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + file) << Read(sample);
  return dir;
}

DiscoverOptions Recorded(const std::string& tools, const std::string& sys) {
  DiscoverOptions o;
  o.tool_output_dir = Testdata(tools);
  o.sysfs_root = Testdata(sys);
  return o;
}

TEST(KunlunDiscoverTest, DetailViewGivesIdsMemoryAndStacks) {
  KunlunDeviceAdapter kunlun;
  auto found = kunlun.Discover(testing::TestCatalog(),
                               Recorded("hosts/kunlun-p800x8/tools", "hosts/kunlun-p800x8/sys"));
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->devices.size(), 8u);
  EXPECT_EQ(found->board, "kunlun-p800-8");
  EXPECT_EQ(found->software.at("kunlun-driver"), "5.0.21.26");
  EXPECT_EQ(found->software.at("xre"), "5.0.21");
  for (const DeviceSpec& d : found->devices) {
    EXPECT_EQ(testing::TestCatalog().model(d.model).id, "kunlun-p800");
    EXPECT_EQ(d.physical_id, d.index);
    EXPECT_EQ(d.memory.raw(), 98304);
    EXPECT_EQ(d.numa_node, d.index < 4 ? 0 : 1);  // sysfs by bus id, and topo -m agrees
    EXPECT_FALSE(d.uuid.empty());
  }
  // The stacks compare as dotted numbers.
  NodeSpec node;
  node.software = found->software;
  EXPECT_TRUE(kunlun.CheckStack(node, "xre", "5.0.9").ok());
  EXPECT_FALSE(kunlun.CheckStack(node, "kunlun-driver", "5.0.21.100").ok());
}

TEST(KunlunDiscoverTest, ToolAndPciMustAgreeOnTheCount) {
  // Two PCIe cards in the listing, eight P800 functions on PCI.
  const std::string dir = OneRecording("xpu_two", "xpu-smi_q.txt", "xpu-smi/q_p800_pcie_x2.txt");
  KunlunDeviceAdapter kunlun;
  DiscoverOptions o;
  o.tool_output_dir = dir;
  o.sysfs_root = Testdata("hosts/kunlun-p800x8/sys");
  auto found = kunlun.Discover(testing::TestCatalog(), o);
  ExpectInvalid(found.status(), "PCI has 8");
  // Without PCI functions (no sysfs tree) the listing stands alone.
  o.sysfs_root = Testdata("no-such-sysfs");
  found = kunlun.Discover(testing::TestCatalog(), o);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->devices.size(), 2u);
  EXPECT_EQ(testing::TestCatalog().model(found->devices[1].model).id, "kunlun-p800");
  EXPECT_EQ(found->board, "");
}

TEST(KunlunDiscoverTest, TableIsTheFallbackAndUnknownModelsAreNamed) {
  const std::string dir = OneRecording("xpu_table", "xpu-smi.txt", "xpu-smi/table_p800_x8.txt");
  KunlunDeviceAdapter kunlun;
  DiscoverOptions o;
  o.tool_output_dir = dir;
  o.sysfs_root = Testdata("hosts/kunlun-p800x8/sys");
  auto found = kunlun.Discover(testing::TestCatalog(), o);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->devices.size(), 8u);
  EXPECT_EQ(found->software.at("xre"), "5.0.21");
  EXPECT_EQ(found->devices[2].physical_id, -1);  // the table has no minor numbers
  // An R300 is in no catalog model of the test catalog: named, not dropped.
  o.tool_output_dir = OneRecording("xpu_k2", "xpu-smi.txt", "xpu-smi/table_kunlun2.txt");
  o.sysfs_root = Testdata("no-such-sysfs");
  ExpectInvalid(kunlun.Discover(testing::TestCatalog(), o).status(), "\"R300\"");
  // A broken listing fails discovery rather than falling back to PCI.
  o.tool_output_dir = OneRecording("xpu_bad", "xpu-smi_q.txt", "xpu-smi/q_truncated.txt");
  o.sysfs_root = Testdata("hosts/kunlun-p800x8/sys");
  ExpectInvalid(kunlun.Discover(testing::TestCatalog(), o).status(), "truncated");
}

}  // namespace
}  // namespace manychip
