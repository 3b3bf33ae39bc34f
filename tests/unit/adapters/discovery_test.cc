#include "manychip/adapters/discovery.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapters/device/generic/generic_adapter.h"
#include "gtest/gtest.h"
#include "manychip/adapters/builtin.h"
#include "tests/testing/test_catalog.h"
#include "tests/unit/adapters/adapter_test_util.h"

namespace manychip {
namespace {

using adapters_test::Testdata;

AdapterRegistry Builtins() {
  AdapterRegistry r;
  EXPECT_TRUE(RegisterBuiltinAdapters(r).ok());
  return r;
}

HostProbeOptions Host(const std::string& proc_dir, const std::string& arch) {
  HostProbeOptions h;
  h.proc_root = Testdata(proc_dir);
  h.arch = arch;
  return h;
}

TEST(DiscoveryTest, FixtureWithAscendKunlunAndPpu) {
  const Catalog& catalog = testing::TestCatalog();
  AdapterRegistry registry = Builtins();
  DiscoverOptions opts;
  opts.sysfs_root = Testdata("fixture-mixed/sys");
  opts.tool_output_dir = Testdata("fixture-mixed/tools");
  auto node = DiscoverNode(registry, catalog, opts, Host("proc-kunpeng920", "arm64"), "mixed-1");
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->name, "mixed-1");
  EXPECT_EQ(node->arch, Arch::kAarch64);
  EXPECT_EQ(node->cpu_model, "HiSilicon Kunpeng 920");
  ASSERT_EQ(node->devices.size(), 3u);  // the Huawei NIC and host bridge are not devices
  EXPECT_EQ(catalog.model(node->devices[0].model).id, "ascend-910b3");  // from npu-smi
  EXPECT_EQ(node->devices[0].pci_bus_id, "0000:c1:00.0");
  EXPECT_EQ(catalog.model(node->devices[1].model).id, "kunlun-p800");  // from PCI
  EXPECT_EQ(node->devices[1].numa_node, 0);
  EXPECT_EQ(node->devices[1].physical_id, 0);                         // XPU 0, though node index 1
  EXPECT_EQ(catalog.model(node->devices[2].model).id, "ppu-zw810e");  // from ppu-smi
  EXPECT_EQ(node->devices[2].physical_id, 0);
  for (size_t i = 0; i < node->devices.size(); ++i) EXPECT_EQ(node->devices[i].index, (int)i);
  EXPECT_EQ(node->board, "");  // three vendors: no cross-vendor board
  EXPECT_EQ(node->software.at("ascend-driver"), "23.0.6");
}

TEST(DiscoveryTest, PciOnlyWithoutTools) {
  const Catalog& catalog = testing::TestCatalog();
  AdapterRegistry registry = Builtins();
  DiscoverOptions opts;
  opts.sysfs_root = Testdata("fixture-mixed/sys");
  opts.tool_output_dir = Testdata("fixture-mixed/no-tools");  // absent: tools "not installed"
  auto node = DiscoverNode(registry, catalog, opts, Host("proc-x86-spr", "x86_64"), "pci-1");
  ASSERT_TRUE(node.ok()) << node.status();
  // Ascend by PCI id, Kunlun by PCI id; the PPU's PCI device id is in no
  // catalog model, so it is not a device (rather than guessed): it is
  // reported as unrecognized, with the reason.
  ASSERT_EQ(node->devices.size(), 2u);
  EXPECT_EQ(catalog.model(node->devices[0].model).vendor, "ascend");
  EXPECT_EQ(node->devices[0].numa_node, 1);
  EXPECT_EQ(catalog.model(node->devices[1].model).id, "kunlun-p800");
  ASSERT_EQ(node->unrecognized_devices.size(), 1u);
  const UnrecognizedDeviceSpec& u = node->unrecognized_devices[0];
  EXPECT_EQ(u.vendor, "ppu");
  EXPECT_FALSE(u.pci_bus_id.empty());
  EXPECT_FALSE(u.pci_device_id.empty());
  EXPECT_EQ(u.reason, absl::StrCat("PCI device id ", u.pci_vendor_id, ":", u.pci_device_id,
                                   " is in no catalog model of vendor ppu; not schedulable "
                                   "until the catalog lists it"));
}

TEST(DiscoveryTest, KunlunNodeOfEightGetsItsBoardAndLinks) {
  const Catalog& catalog = testing::TestCatalog();
  AdapterRegistry registry = Builtins();
  DiscoverOptions opts;
  opts.sysfs_root = Testdata("fixture-kunlun8/sys");
  opts.tool_output_dir = Testdata("fixture-kunlun8/tools");
  auto node = DiscoverNode(registry, catalog, opts, Host("proc-x86-hygon", "x86_64"), "k8");
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_EQ(node->devices.size(), 8u);
  EXPECT_EQ(node->board, "kunlun-p800-8");
  EXPECT_EQ(node->devices[5].numa_node, 1);
  EXPECT_EQ(node->devices[5].link_group, "group-1");
  EXPECT_EQ(node->devices[0].links.size(), 7u);
  // And the scheduler side agrees with the board: 4 cards in one group.
  std::vector<MilliDevices> free(8, MilliDevices::FromRaw(1000));
  ChooseResult r = registry.FindDevice("kunlun")->Choose(*node, free, adapters_test::Cards(4));
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.devices, (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST(DiscoveryTest, BrokenToolOutputNamesTheVendor) {
  AdapterRegistry registry = Builtins();
  DiscoverOptions opts;
  opts.sysfs_root = Testdata("fixture-kunlun8/sys");
  // A garbled topo matrix under the name the Kunlun adapter reads.
  opts.tool_output_dir = Testdata("fixture-broken-tools");
  auto node =
      DiscoverNode(registry, testing::TestCatalog(), opts, Host("proc-x86-hygon", "x86_64"), "k8");
  ASSERT_FALSE(node.ok());
  EXPECT_NE(node.status().message().find("kunlun: xpu-smi topo -m"), std::string::npos)
      << node.status();
}

TEST(DiscoveryTest, ThisMachineHostOnlyNoError) {
  AdapterRegistry registry = Builtins();
  auto node = DiscoverNode(registry, testing::TestCatalog(), DiscoverOptions{}, HostProbeOptions{},
                           "this-host");
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_GT(node->cpu.raw(), 0);
  EXPECT_GT(node->memory.raw(), 0);
  // Whatever is found must be consistent; this build machine has no
  // accelerators, so normally none.
  for (size_t i = 0; i < node->devices.size(); ++i) EXPECT_EQ(node->devices[i].index, (int)i);
}

TEST(DiscoveryTest, GenericVendorsByPci) {
  // The shipped catalog lists no Cambricon PCI device ids, so this test
  // brings its own model.
  DeviceModelSpec mlu;
  mlu.id = "cambricon-mlu370";
  mlu.vendor = "cambricon";
  mlu.pci_vendor_id = "cabc";
  mlu.pci_device_ids = {"0370"};
  mlu.memory = MiB::FromRaw(49152);
  mlu.bf16_tflops = 96;
  auto catalog = Catalog::Create({mlu}, "cambricon-mlu370");
  ASSERT_TRUE(catalog.ok());
  GenericDeviceAdapter cambricon(GenericVendors()[0]);
  ASSERT_EQ(cambricon.vendor(), "cambricon");
  DiscoverOptions opts;
  opts.sysfs_root = Testdata("fixture-cambricon/sys");
  auto found = cambricon.Discover(*catalog, opts);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->devices.size(), 2u);
  EXPECT_EQ(found->devices[1].memory.raw(), 49152);
  EXPECT_EQ(found->devices[1].pci_bus_id, "0000:41:00.0");
}

TEST(DiscoveryTest, EightCambriconCardsGetTheirBoard) {
  namespace fs = std::filesystem;
  DeviceModelSpec mlu;
  mlu.id = "cambricon-mlu370";
  mlu.vendor = "cambricon";
  mlu.pci_vendor_id = "cabc";
  mlu.pci_device_ids = {"0370"};
  mlu.memory = MiB::FromRaw(24576);
  mlu.bf16_tflops = 96;
  auto catalog = Catalog::Create({mlu}, "cambricon-mlu370");
  ASSERT_TRUE(catalog.ok());
  const fs::path root = fs::temp_directory_path() / ("manychip_mlu8_" + std::to_string(getpid()));
  fs::remove_all(root);
  for (int i = 0; i < 8; ++i) {
    const fs::path dev = root / "bus/pci/devices" / absl::StrFormat("0000:%02x:00.0", 0x40 + i);
    fs::create_directories(dev);
    std::ofstream(dev / "vendor") << "0xcabc\n";
    std::ofstream(dev / "device") << "0x0370\n";
    std::ofstream(dev / "class") << "0x120000\n";
    std::ofstream(dev / "numa_node") << (i < 4 ? "0\n" : "1\n");
  }
  GenericDeviceAdapter cambricon(GenericVendors()[0]);
  DiscoverOptions opts;
  opts.sysfs_root = root.string();
  auto found = cambricon.Discover(*catalog, opts);
  fs::remove_all(root);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->devices.size(), 8u);
  EXPECT_EQ(found->board, "cambricon-mlu370-x8");
  EXPECT_EQ(found->devices[5].link_group, "card-2");
  NodeSpec node;
  node.board = found->board;
  node.devices = found->devices;
  std::vector<MilliDevices> free(8, MilliDevices::FromRaw(1000));
  EXPECT_EQ(cambricon.Choose(node, free, adapters_test::Cards(3)).failure,
            ChooseFailure::kIllegalCount);
  EXPECT_TRUE(cambricon.Choose(node, free, adapters_test::Cards(6)).ok);
}

TEST(DiscoveryTest, EveryCatalogVendorHasAnAdapter) {
  AdapterRegistry registry = Builtins();
  for (const DeviceModelSpec& m : testing::TestCatalog().models()) {
    EXPECT_NE(registry.FindDevice(m.vendor), nullptr) << m.id << " vendor " << m.vendor;
  }
}

// A third-party vendor's card: the catalog, not the host adapters' own
// vendor list, says which arches its stack ships for.
TEST(DiscoveryTest, StackWarningsFollowTheCatalogsHostArches) {
  DeviceModelSpec acme;
  acme.id = "acme-a1";
  acme.vendor = "acme";
  acme.memory = MiB::FromRaw(32768);
  acme.bf16_tflops = 100;
  acme.host_arches = {"x86_64"};
  DeviceModelSpec unknown = acme;
  unknown.id = "acme-a0";
  unknown.host_arches.clear();
  auto catalog = Catalog::Create({acme, unknown}, "acme-a1");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  NodeSpec node;
  node.arch = Arch::kX86_64;
  for (int i = 0; i < 2; ++i) {
    DeviceSpec d;
    d.index = i;
    d.model = catalog->Find("acme-a1")->index;
    node.devices.push_back(d);
  }
  DeviceSpec d0;
  d0.index = 2;
  d0.model = catalog->Find("acme-a0")->index;
  node.devices.push_back(d0);
  // The x86_64 host adapter lists no "acme" stack; the catalog does.
  EXPECT_TRUE(StackWarnings(node, *catalog).empty());
  node.arch = Arch::kRiscv64;
  EXPECT_EQ(StackWarnings(node, *catalog),
            std::vector<std::string>{
                "2 acme-a1 devices on a riscv64 host: the catalog ships its acme stack for "
                "x86_64 only"});
}

}  // namespace
}  // namespace manychip
