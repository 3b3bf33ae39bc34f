// Tool runner, PCI scan and partition tables.

#include <filesystem>
#include <fstream>

#include "adapters/common/pci_scan.h"
#include "adapters/common/tool_runner.h"
#include "adapters/device/generic/generic_adapter.h"
#include "gtest/gtest.h"
#include "manychip/adapters/builtin.h"
#include "manychip/adapters/discovery.h"
#include "tests/testing/test_catalog.h"
#include "tests/unit/adapters/adapter_test_util.h"

namespace manychip {
namespace {

TEST(ToolRunnerTest, RunsFailsAndTimesOut) {
  DiscoverOptions live;
  auto out = RunTool(live, {"sh", {"-c", "echo hello"}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "hello\n");
  EXPECT_EQ(RunTool(live, {"manychip-no-such-tool", {}}).status().code(),
            absl::StatusCode::kNotFound);
  auto bad = RunTool(live, {"sh", {"-c", "exit 3"}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(bad.status().message().find("exited with 3"), std::string::npos) << bad.status();
  ToolCall slow{"sh", {"-c", "sleep 5"}, 200};
  auto t = RunTool(live, slow);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(t.status().message().find("timed out"), std::string::npos) << t.status();
  // Recorded output instead of running anything.
  DiscoverOptions recorded;
  recorded.tool_output_dir = adapters_test::Testdata("fixture-mixed/tools");
  EXPECT_TRUE(RunTool(recorded, {"npu-smi", {"info"}}).ok());
  EXPECT_EQ(RunTool(recorded, {"xpu-smi", {"absent"}}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ToolRunnerTest, RecordedNamesFollowOneRule) {
  EXPECT_EQ(RecordedToolName({"npu-smi", {"info"}}), "npu-smi_info.txt");
  EXPECT_EQ(RecordedToolName({"npu-smi", {"info", "-t", "board", "-i", "0"}}),
            "npu-smi_info_t_board_i_0.txt");
  EXPECT_EQ(RecordedToolName({"xpu-smi", {"topo", "-m"}}), "xpu-smi_topo_m.txt");
  EXPECT_EQ(RecordedToolName({"xpu-smi", {}}), "xpu-smi.txt");
  EXPECT_EQ(RecordedToolName(
                {"/usr/bin/ppu-smi", {"--query-gpu=index,uuid,name,memory.total", "--format=csv"}}),
            "ppu-smi_query-gpu.csv");
  DiscoverOptions o;
  o.host_root = "/tmp/recorded/";
  EXPECT_EQ(HostPath(o, "/usr/local/Ascend/x"), "/tmp/recorded/usr/local/Ascend/x");
  o.host_root = "/";
  EXPECT_EQ(HostPath(o, "/usr/local/Ascend/x"), "/usr/local/Ascend/x");
}

TEST(PciScanTest, MalformedFilesNameTheFile) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("manychip_pci_" + std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path dev = root / "bus/pci/devices/0000:01:00.0";
  fs::create_directories(dev);
  std::ofstream(dev / "vendor") << "0x1d22\n";
  std::ofstream(dev / "device") << "zz\n";
  std::ofstream(dev / "class") << "0x120000\n";
  auto scan = ScanPci(root.string());
  ASSERT_FALSE(scan.ok());
  EXPECT_EQ(scan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(scan.status().message().find("0000:01:00.0/device"), std::string::npos);
  std::ofstream(dev / "device") << "0x3686\n";
  std::ofstream(dev / "numa_node") << "x\n";
  EXPECT_FALSE(ScanPci(root.string()).ok());
  fs::remove(dev / "numa_node");  // absent numa_node: unknown, fine
  scan = ScanPci(root.string());
  ASSERT_TRUE(scan.ok()) << scan.status();
  ASSERT_EQ(scan->size(), 1u);
  EXPECT_EQ((*scan)[0].numa_node, -1);
  EXPECT_TRUE(ScanPci((root / "nothing").string())->empty());  // no sysfs: no devices
  fs::remove_all(root);
}

TEST(PartitionTest, VendorTablesWhenTheCatalogHasNone) {
  AdapterRegistry r;
  ASSERT_TRUE(RegisterBuiltinAdapters(r).ok());
  auto profiles = [&](const char* vendor, const char* id) {
    DeviceModelSpec m;
    m.id = id;
    m.vendor = vendor;
    return r.FindDevice(vendor)->PartitionProfiles(m);
  };
  auto p310 = profiles("ascend", "ascend-310p");
  ASSERT_EQ(p310.size(), 3u);
  EXPECT_EQ(p310[0].name, "vir01");
  EXPECT_EQ(p310[2].share.raw(), 500);
  EXPECT_EQ(profiles("ascend", "ascend-910b3")[1].name, "vir10_3c_32g");
  EXPECT_EQ(profiles("kunlun", "kunlun-p800")[0].memory.raw(), 24576);
  EXPECT_EQ(profiles("ppu", "ppu-zw810e")[2].name, "4g48gb");
  EXPECT_TRUE(profiles("cambricon", "cambricon-mlu370").empty());
  // A catalog list wins over the built-in table.
  DeviceModelSpec m;
  m.id = "ascend-310p";
  m.partitions = {{"custom", "vnpu", MilliDevices::FromRaw(100), MiB::FromRaw(1024)}};
  EXPECT_EQ(r.FindDevice("ascend")->PartitionProfiles(m)[0].name, "custom");
}

TEST(DiscoveryTest, RiscvHostIsCpuOnly) {
  AdapterRegistry r;
  ASSERT_TRUE(RegisterBuiltinAdapters(r).ok());
  DiscoverOptions d;
  d.sysfs_root = adapters_test::Testdata("no-such-sysfs");
  d.tool_output_dir = adapters_test::Testdata("no-such-tools");
  HostProbeOptions h;
  h.proc_root = adapters_test::Testdata("proc-riscv64");
  h.arch = "riscv64";
  auto node = DiscoverNode(r, testing::TestCatalog(), d, h, "rv-1");
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->arch, Arch::kRiscv64);
  EXPECT_TRUE(node->devices.empty());
  EXPECT_EQ(node->cpu.raw(), 4000);
  // A host arch with no adapter registered is a clear error.
  AdapterRegistry empty;
  EXPECT_EQ(DiscoverNode(empty, testing::TestCatalog(), d, h, "rv-1").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(DiscoveryTest, MooreThreadsThroughTheSharedCsvParser) {
  DiscoverOptions d;
  d.tool_output_dir = adapters_test::Testdata("mthreads-gmi-fixture");
  d.sysfs_root = adapters_test::Testdata("no-such-sysfs");
  GenericDeviceAdapter mt(GenericVendors()[4]);
  ASSERT_EQ(mt.vendor(), "moore-threads");
  auto found = mt.Discover(testing::TestCatalog(), d);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->devices.size(), 2u);
  EXPECT_EQ(testing::TestCatalog().model(found->devices[1].model).id, "moore-threads-s4000");
  EXPECT_EQ(found->devices[1].uuid, "MT-0002");
}

}  // namespace
}  // namespace manychip
