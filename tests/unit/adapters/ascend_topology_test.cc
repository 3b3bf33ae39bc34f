// Ascend links between NPUs: `npu-smi info -t topo` (recorded samples,
// including truncated, garbled and empty output) and DCMI's PCIe bus ids and
// pairwise topology (the fake libdcmi.so in tests/unit/adapters/fakes/), fed
// into DeviceSpec::links, link groups and the board check.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "adapters/common/smi_output.h"
#include "adapters/device/ascend/ascend_adapter.h"
#include "adapters/device/ascend/dcmi_library.h"
#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "tests/testing/test_catalog.h"
#include "tests/unit/adapters/adapter_test_util.h"

namespace manychip {
namespace {

using adapters_test::Testdata;

std::string Read(const std::string& rel) { return adapters_test::ReadTestdata(rel); }

constexpr absl::string_view kHccs[] = {"HCCS", "HCCS_SW", "SIO"};

int Count(const DeviceSpec& d, LinkClass c) {
  int n = 0;
  for (const DeviceLinkSpec& l : d.links) n += l.link_class == c;
  return n;
}

TEST(NpuSmiTopoTest, ParsesTheHccsMesh) {
  auto m = ParseTopoMatrix(Read("npu-smi/topo_910b3_x8.txt"), "NPU", "t", kHccs);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size, 8);
  EXPECT_EQ(m->links[2][5].link_class, LinkClass::kHighSpeed);
  EXPECT_EQ(m->links[2][5].lanes, 0);  // npu-smi prints no lane count
  EXPECT_EQ(m->numa[0], -1);           // only CPU affinity, no NUMA column
  auto p = ParseTopoMatrix(Read("npu-smi/topo_pcie_x8.txt"), "NPU", "t", kHccs);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->links[0][1].link_class, LinkClass::kSingleSwitch);
  EXPECT_EQ(p->links[0][2].link_class, LinkClass::kHostBridge);
  EXPECT_EQ(p->links[0][7].link_class, LinkClass::kCrossCpu);
  // "NA" is an unknown relationship, not an error.
  std::string na = Read("npu-smi/topo_910b3_x8.txt");
  for (size_t at = 0; (at = na.find("HCCS", at)) != std::string::npos; at += 4) {
    if (na.compare(at, 5, "HCCS ") == 0) na.replace(at, 4, "NA  ");
  }
  auto u = ParseTopoMatrix(na, "NPU", "t", kHccs);
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->links[0][1].link_class, LinkClass::kUnknown);
}

TEST(NpuSmiTopoTest, TruncatedGarbledAndEmptyAreErrors) {
  for (const char* f :
       {"npu-smi/topo_truncated.txt", "npu-smi/topo_garbled.txt", "npu-smi/topo_empty.txt"}) {
    auto m = ParseTopoMatrix(Read(f), "NPU", "npu-smi info -t topo", kHccs);
    ASSERT_FALSE(m.ok()) << f;
    EXPECT_TRUE(absl::IsInvalidArgument(m.status())) << m.status();
    EXPECT_NE(m.status().message().find("npu-smi info -t topo"), std::string::npos);
  }
  // Without the word list "HCCS" is not a link code (other vendors' tools).
  EXPECT_FALSE(ParseTopoMatrix(Read("npu-smi/topo_910b3_x8.txt"), "NPU", "t").ok());
}

// A recorded host directory with `npu-smi info` and the given topo sample.
std::string HostWithTopo(const std::string& name, const std::string& topo_sample) {
  const std::string dir = ::testing::TempDir() + "/" + name;
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/npu-smi_info.txt") << Read("hosts/ascend-910b8/tools/npu-smi_info.txt");
  if (!topo_sample.empty()) std::ofstream(dir + "/npu-smi_info_t_topo.txt") << Read(topo_sample);
  return dir;
}

absl::StatusOr<DiscoveredDevices> DiscoverRecorded(const std::string& tools) {
  DiscoverOptions o;
  o.tool_output_dir = tools;
  o.sysfs_root = Testdata("hosts/ascend-910b8/sys");
  o.host_root = Testdata("no-such-root");
  return AscendDeviceAdapter().Discover(testing::TestCatalog(), o);
}

TEST(NpuSmiTopoTest, RecordedHostGetsMeshLinksKeyedByNpuId) {
  auto found = DiscoverRecorded(Testdata("hosts/ascend-910b8/tools"));
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->devices.size(), 8u);
  EXPECT_EQ(found->board, "atlas-800t-a2");
  for (const DeviceSpec& d : found->devices) {
    EXPECT_EQ(Count(d, LinkClass::kHighSpeed), 7) << d.index;
    EXPECT_EQ(d.link_group, "hccs-mesh");
  }
}

TEST(NpuSmiTopoTest, PcieCardsAreNotAnAtlas800) {
  auto found = DiscoverRecorded(HostWithTopo("npu_pcie", "npu-smi/topo_pcie_x8.txt"));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->board, "");  // 8 x 910B3, but not on an HCCS mesh
  // Links are keyed by npu-smi's NPU id: device i is NPU i here.
  const DeviceSpec& d0 = found->devices[0];
  ASSERT_EQ(d0.links.size(), 7u);
  EXPECT_EQ(d0.links[0].peer, 1);
  EXPECT_EQ(d0.links[0].link_class, LinkClass::kSingleSwitch);
  EXPECT_EQ(d0.links[6].link_class, LinkClass::kCrossCpu);
  EXPECT_EQ(d0.link_group, "card-0");  // no HCCS island to name
  // Without the topology the chip count decides, as before.
  found = DiscoverRecorded(HostWithTopo("npu_none", ""));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->board, "atlas-800t-a2");
  EXPECT_TRUE(found->devices[0].links.empty());
}

TEST(NpuSmiTopoTest, BrokenOrMismatchedTopologyFailsDiscovery) {
  auto found = DiscoverRecorded(HostWithTopo("npu_trunc", "npu-smi/topo_truncated.txt"));
  ASSERT_FALSE(found.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(found.status())) << found.status();
  // A 16-NPU matrix for an 8-chip listing.
  const std::string dir = HostWithTopo("npu_big", "");
  std::string big = "\t";
  for (int j = 0; j < 16; ++j) big += "NPU" + std::to_string(j) + " ";
  big += "CPU Affinity\n";
  for (int i = 0; i < 16; ++i) {
    big += "NPU" + std::to_string(i);
    for (int j = 0; j < 16; ++j) big += i == j ? " X" : " HCCS";
    big += " 0-23\n";
  }
  std::ofstream(dir + "/npu-smi_info_t_topo.txt") << big;
  found = DiscoverRecorded(dir);
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.status().message().find("16 NPUs, npu-smi info has 8 chips"), std::string::npos)
      << found.status();
}

class DcmiTopoTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* v : {"FAKE_DCMI_TOPO", "FAKE_DCMI_PCIE_RC", "FAKE_DCMI_CARDS"}) unsetenv(v);
  }
  static absl::StatusOr<DiscoveredDevices> Live() {
    DiscoverOptions o;
    o.dcmi_library = MC_FAKE_DCMI_SO;
    o.sysfs_root = Testdata("hosts/ascend-910b8/sys");
    o.host_root = Testdata("no-such-root");
    return AscendDeviceAdapter().Discover(testing::TestCatalog(), o);
  }
};

TEST_F(DcmiTopoTest, BusIdsNumaAndMeshFromDcmi) {
  auto found = Live();
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->devices.size(), 8u);
  EXPECT_EQ(found->board, "atlas-800t-a2");
  EXPECT_EQ(found->devices[0].pci_bus_id, "0000:01:00.0");
  EXPECT_EQ(found->devices[7].pci_bus_id, "0000:c2:00.0");
  for (const DeviceSpec& d : found->devices) {
    EXPECT_EQ(d.numa_node, d.index < 4 ? 0 : 1) << d.index;  // sysfs, by the DCMI bus id
    EXPECT_EQ(Count(d, LinkClass::kHighSpeed), 7) << d.index;
  }
}

TEST_F(DcmiTopoTest, PcieLinksUnknownPairsAndBrokenAnswers) {
  setenv("FAKE_DCMI_TOPO", "pcie", 1);
  auto found = Live();
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->board, "");
  EXPECT_EQ(Count(found->devices[2], LinkClass::kSingleSwitch), 3);
  EXPECT_EQ(Count(found->devices[2], LinkClass::kCrossCpu), 4);
  // Chips that cannot say (DCMI "not supported") leave links unknown and the
  // board to the chip count.
  setenv("FAKE_DCMI_TOPO", "none", 1);
  found = Live();
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->board, "atlas-800t-a2");
  EXPECT_EQ(Count(found->devices[0], LinkClass::kUnknown), 7);
  // Two answers for one pair that disagree: the library is broken.
  setenv("FAKE_DCMI_TOPO", "lopsided", 1);
  found = Live();
  ASSERT_FALSE(found.ok());
  EXPECT_TRUE(absl::IsUnavailable(found.status())) << found.status();
  EXPECT_NE(found.status().message().find("disagrees"), std::string::npos) << found.status();
  unsetenv("FAKE_DCMI_TOPO");
  // A failing PCIe call leaves bus ids (and so NUMA) unknown; an impossible
  // answer is an error naming the call.
  setenv("FAKE_DCMI_PCIE_RC", "-8255", 1);
  found = Live();
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->devices[3].pci_bus_id, "");
  EXPECT_EQ(found->devices[3].numa_node, -1);
  setenv("FAKE_DCMI_PCIE_RC", "bad", 1);
  found = Live();
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.status().message().find("dcmi_get_device_pcie_info_v2"), std::string::npos)
      << found.status();
}

TEST(DcmiTopoClassTest, EnumOrderOfTheReference) {
  EXPECT_EQ(ascend::DcmiTopoClass(0), LinkClass::kUnknown);  // self
  EXPECT_EQ(ascend::DcmiTopoClass(1), LinkClass::kCrossCpu);
  EXPECT_EQ(ascend::DcmiTopoClass(2), LinkClass::kHostBridge);
  EXPECT_EQ(ascend::DcmiTopoClass(3), LinkClass::kHighSpeed);
  EXPECT_EQ(ascend::DcmiTopoClass(4), LinkClass::kMultiSwitch);
  EXPECT_EQ(ascend::DcmiTopoClass(5), LinkClass::kSingleSwitch);
  EXPECT_EQ(ascend::DcmiTopoClass(6), LinkClass::kUnknown);  // SIO or BUTT by version
  EXPECT_EQ(ascend::DcmiTopoClass(7), LinkClass::kHighSpeed);
  EXPECT_EQ(ascend::DcmiTopoClass(ascend::kDcmiTopoUnknown), LinkClass::kUnknown);
}

}  // namespace
}  // namespace manychip
