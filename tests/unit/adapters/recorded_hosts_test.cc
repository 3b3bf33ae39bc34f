// End-to-end discovery of recorded hosts, one per vendor
// (tests/testdata/adapters/hosts/<host>/{sys,tools,tools/root}): what
// `manychip-agent --discover --dry-run --sysfs-root H/sys --tool-output-dir
// H/tools` prints, checked for devices, topology and stacks, and then handed
// to the vendor's Choose to prove the scheduler side agrees with the board.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "manychip/adapters/builtin.h"
#include "manychip/adapters/discovery.h"
#include "tests/testing/test_catalog.h"
#include "tests/unit/adapters/adapter_test_util.h"

namespace manychip {
namespace {

using adapters_test::Testdata;

absl::StatusOr<NodeSpec> DiscoverRecorded(const std::string& host, const std::string& proc,
                                          const std::string& arch) {
  AdapterRegistry registry;
  if (absl::Status s = RegisterBuiltinAdapters(registry); !s.ok()) return s;
  DiscoverOptions d;
  d.sysfs_root = Testdata("hosts/" + host + "/sys");
  d.tool_output_dir = Testdata("hosts/" + host + "/tools");
  d.host_root = d.tool_output_dir + "/root";  // as the agent sets it
  HostProbeOptions h;
  h.proc_root = Testdata(proc);
  h.arch = arch;
  return DiscoverNode(registry, testing::TestCatalog(), d, h, host);
}

ChooseResult ChooseOn(const NodeSpec& node, absl::string_view vendor, int cards) {
  AdapterRegistry registry;
  EXPECT_TRUE(RegisterBuiltinAdapters(registry).ok());
  std::vector<MilliDevices> free(node.devices.size(), MilliDevices::FromRaw(kMilliPerDevice));
  return registry.FindDevice(vendor)->Choose(node, free, adapters_test::Cards(cards));
}

int HighSpeedPeers(const DeviceSpec& d) {
  int n = 0;
  for (const DeviceLinkSpec& l : d.links) n += l.link_class == LinkClass::kHighSpeed;
  return n;
}

std::string ModelId(const DeviceSpec& d) { return testing::TestCatalog().model(d.model).id; }

TEST(RecordedHostTest, NvidiaHgx8FromNvidiaSmi) {
  auto node = DiscoverRecorded("nvidia-hgx8", "proc-x86-spr", "x86_64");
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_EQ(node->devices.size(), 8u);
  EXPECT_EQ(node->board, "hgx-8");
  for (const DeviceSpec& d : node->devices) {
    EXPECT_EQ(ModelId(d), "nvidia-h100");
    EXPECT_TRUE(d.healthy) << d.health_reason;
    EXPECT_EQ(d.memory.raw(), 81559);
    EXPECT_EQ(HighSpeedPeers(d), 7);
    EXPECT_EQ(d.numa_node, d.index < 4 ? 0 : 1);
  }
  EXPECT_EQ(node->devices[3].pci_bus_id, "0000:5d:00.0");
  EXPECT_EQ(node->devices[3].uuid.substr(0, 4), "GPU-");
  EXPECT_EQ(node->software.at("nvidia-driver"), "550.54.15");
  EXPECT_EQ(node->software.at("cuda"), "12.4");
  ChooseResult r = ChooseOn(*node, "nvidia", 4);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.devices, (std::vector<int32_t>{0, 1, 2, 3}));  // one NUMA half
}

TEST(RecordedHostTest, Ascend910B8FromNpuSmi) {
  auto node = DiscoverRecorded("ascend-910b8", "proc-kunpeng920", "arm64");
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->arch, Arch::kAarch64);
  ASSERT_EQ(node->devices.size(), 8u);  // the Huawei NIC is not an NPU
  EXPECT_EQ(node->board, "atlas-800t-a2");
  for (const DeviceSpec& d : node->devices) {
    EXPECT_EQ(ModelId(d), "ascend-910b3");
    EXPECT_EQ(d.link_group, "hccs-mesh");
    EXPECT_EQ(d.memory.raw(), 65536);
  }
  // npu-smi gives no NUMA node: it comes from sysfs by bus id (NPU 0 is
  // 0000:c1:00.0 on NUMA 1, NPU 4 is 0000:01:00.0 on NUMA 0).
  EXPECT_EQ(node->devices[0].pci_bus_id, "0000:c1:00.0");
  EXPECT_EQ(node->devices[0].numa_node, 1);
  EXPECT_EQ(node->devices[4].numa_node, 0);
  EXPECT_EQ(node->software.at("ascend-driver"), "23.0.6");
  // `npu-smi info -t topo`: HCCS between every pair, which the board agrees with.
  for (const DeviceSpec& d : node->devices) EXPECT_EQ(HighSpeedPeers(d), 7);
  ChooseResult r = ChooseOn(*node, "ascend", 5);  // full mesh: any count
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST(RecordedHostTest, KunlunP800x8FromXpuSmi) {
  auto node = DiscoverRecorded("kunlun-p800x8", "proc-x86-hygon", "x86_64");
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_EQ(node->devices.size(), 8u);
  EXPECT_EQ(node->board, "kunlun-p800-8");
  // `xpu-smi -q`: the stacks, as Ascend reports CANN.
  EXPECT_EQ(node->software.at("kunlun-driver"), "5.0.21.26");
  EXPECT_EQ(node->software.at("xre"), "5.0.21");
  EXPECT_EQ(node->devices[6].pci_bus_id, "0000:90:00.0");
  for (const DeviceSpec& d : node->devices) {
    EXPECT_EQ(ModelId(d), "kunlun-p800");
    EXPECT_EQ(d.memory.raw(), 98304);
    EXPECT_EQ(d.physical_id, d.index);
    EXPECT_EQ(d.link_group, d.index < 4 ? "group-0" : "group-1");
    EXPECT_EQ(d.numa_node, d.index < 4 ? 0 : 1);
    EXPECT_EQ(HighSpeedPeers(d), 4);  // 3 in the group + the cross link
  }
  ChooseResult r = ChooseOn(*node, "kunlun", 3);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failure, ChooseFailure::kIllegalCount);
  r = ChooseOn(*node, "kunlun", 4);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.devices, (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST(RecordedHostTest, Ppu16FromPpuSmi) {
  auto node = DiscoverRecorded("ppu-16", "proc-x86-spr", "x86_64");
  ASSERT_TRUE(node.ok()) << node.status();
  // The PPU's PCI device id is in no catalog model (docs/design/vendors.md: n/f), so the
  // PCI scan alone would skip these; ppu-smi names them.
  ASSERT_EQ(node->devices.size(), 16u);
  EXPECT_EQ(node->board, "ppu-16");
  for (const DeviceSpec& d : node->devices) {
    EXPECT_EQ(ModelId(d), "ppu-zw810e");
    EXPECT_EQ(d.numa_node, d.index < 8 ? 0 : 1);
    EXPECT_EQ(HighSpeedPeers(d), 7);
  }
  EXPECT_EQ(node->devices[15].pci_bus_id, "0000:88:00.0");
  ChooseResult r = ChooseOn(*node, "ppu", 8);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.devices.front() % 8, 0);  // an aligned block of 8
}

TEST(RecordedHostTest, MooreThreadsFromMthreadsGmi) {
  auto node = DiscoverRecorded("moore-threads-2", "proc-x86-spr", "x86_64");
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_EQ(node->devices.size(), 2u);
  EXPECT_EQ(ModelId(node->devices[0]), "moore-threads-s4000");
  EXPECT_EQ(node->board, "");
  EXPECT_TRUE(ChooseOn(*node, "moore-threads", 2).ok);
}

TEST(RecordedHostTest, MixedHostFindsEveryVendorIncludingThePpu) {
  // The fixture the agent used to print without its PPU: with the recorded
  // ppu-smi output it is found, and its NUMA node comes from sysfs.
  AdapterRegistry registry;
  ASSERT_TRUE(RegisterBuiltinAdapters(registry).ok());
  DiscoverOptions d;
  d.sysfs_root = Testdata("fixture-mixed/sys");
  d.tool_output_dir = Testdata("fixture-mixed/tools");
  HostProbeOptions h;
  h.proc_root = Testdata("proc-kunpeng920");
  h.arch = "aarch64";
  auto node = DiscoverNode(registry, testing::TestCatalog(), d, h, "mixed");
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_EQ(node->devices.size(), 3u);
  EXPECT_EQ(ModelId(node->devices[2]), "ppu-zw810e");
  EXPECT_EQ(node->devices[2].numa_node, 0);
  EXPECT_EQ(node->devices[0].numa_node, 1);  // the 910B at 0000:c1:00.0
}

TEST(RecordedHostTest, MissingRecordingsFallBackToPciAndSayWhy) {
  // A recorded host whose nvidia-smi output was not captured: GPUs are
  // reported from PCI, unhealthy, rather than silently dropped.
  AdapterRegistry registry;
  ASSERT_TRUE(RegisterBuiltinAdapters(registry).ok());
  DiscoverOptions d;
  d.sysfs_root = Testdata("hosts/nvidia-hgx8/sys");
  d.tool_output_dir = Testdata("hosts/no-such-recording");
  HostProbeOptions h;
  h.proc_root = Testdata("proc-x86-spr");
  h.arch = "x86_64";
  auto node = DiscoverNode(registry, testing::TestCatalog(), d, h, "n");
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_EQ(node->devices.size(), 8u);
  EXPECT_FALSE(node->devices[0].healthy);
  EXPECT_NE(node->devices[0].health_reason.find("driver"), std::string::npos);
}

}  // namespace
}  // namespace manychip
