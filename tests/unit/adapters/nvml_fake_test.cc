// NVML through dlopen against a fake libnvidia-ml.so built in the test tree
// (tests/unit/adapters/fakes/fake_nvml.cc): discovery end to end, and the
// XID health watcher.

#include <cstdlib>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "adapters/device/nvidia/nvidia_adapter.h"
#include "gtest/gtest.h"
#include "manychip/adapters/builtin.h"
#include "manychip/adapters/discovery.h"
#include "manychip/adapters/health_watcher.h"
#include "tests/testing/test_catalog.h"
#include "tests/unit/adapters/adapter_test_util.h"

namespace manychip {
namespace {

class FakeNvmlTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* v :
         {"FAKE_NVML_GPUS", "FAKE_NVML_NAME", "FAKE_NVML_XIDS", "FAKE_NVML_NO_EVENTS_ON"}) {
      unsetenv(v);
    }
  }
  static DiscoverOptions Live() {
    DiscoverOptions o;
    o.nvml_library = MC_FAKE_NVML_SO;
    o.sysfs_root = adapters_test::Testdata("hosts/nvidia-hgx8/sys");
    return o;
  }
};

TEST_F(FakeNvmlTest, DiscoversThroughTheLibrary) {
  NvidiaDeviceAdapter nvidia;
  auto found = nvidia.Discover(testing::TestCatalog(), Live());
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->devices.size(), 8u);
  EXPECT_EQ(found->board, "hgx-8");
  EXPECT_EQ(found->devices[0].uuid, "GPU-fake-0000");
  EXPECT_EQ(found->devices[0].pci_bus_id, "0000:18:00.0");
  EXPECT_EQ(found->devices[0].numa_node, 0);  // read under sysfs_root
  EXPECT_EQ(testing::TestCatalog().model(found->devices[7].model).id, "nvidia-h100");
  EXPECT_EQ(found->software.at("nvidia-driver"), "550.54.15");
  EXPECT_EQ(found->software.at("cuda"), "12.4");

  setenv("FAKE_NVML_NAME", "NVIDIA Imaginary 1", 1);
  // The PCI device id (0x2330, H100 SXM5) still names the model.
  found = nvidia.Discover(testing::TestCatalog(), Live());
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(testing::TestCatalog().model(found->devices[0].model).id, "nvidia-h100");
}

TEST_F(FakeNvmlTest, XidWatcherReportsCriticalXidsOnly) {
  // 13 is application-caused and must not mark a GPU unhealthy; GPU 3
  // cannot deliver events and is skipped, not fatal.
  setenv("FAKE_NVML_XIDS", "2:79,1:13,5:48", 1);
  setenv("FAKE_NVML_NO_EVENTS_ON", "3", 1);
  absl::Mutex mu;
  std::vector<DeviceHealthChange> seen;
  auto watcher = WatchNvidiaHealth(
      Live(),
      [&](const DeviceHealthChange& c) {
        absl::MutexLock lock(&mu);
        seen.push_back(c);
      },
      absl::Milliseconds(20));
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  {
    absl::MutexLock lock(&mu);
    auto two = [&seen] { return seen.size() >= 2; };
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&two), absl::Seconds(10)));
  }
  watcher->reset();  // stops the thread; no callback after this
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].device_index, 2);
  EXPECT_FALSE(seen[0].healthy);
  EXPECT_EQ(seen[0].reason, "xid 79");
  EXPECT_EQ(seen[1].device_index, 5);
  EXPECT_EQ(seen[1].reason, "xid 48");
}

TEST_F(FakeNvmlTest, NvmlIndexesAreNodeIndexesOnAMixedHost) {
  // What health_watcher.h promises: NVIDIA devices come first, in NVML
  // order, so a watcher's device_index is the node's device index.
  setenv("FAKE_NVML_GPUS", "2", 1);
  AdapterRegistry registry;
  ASSERT_TRUE(RegisterBuiltinAdapters(registry).ok());
  DiscoverOptions o = Live();
  o.sysfs_root = adapters_test::Testdata("fixture-mixed/sys");  // + Ascend, Kunlun by PCI
  HostProbeOptions h;
  h.proc_root = adapters_test::Testdata("proc-x86-spr");
  h.arch = "x86_64";
  auto node = DiscoverNode(registry, testing::TestCatalog(), o, h, "mixed");
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_EQ(node->devices.size(), 4u);
  EXPECT_EQ(node->devices[0].uuid, "GPU-fake-0000");
  EXPECT_EQ(node->devices[1].uuid, "GPU-fake-0001");
  EXPECT_EQ(testing::TestCatalog().model(node->devices[2].model).vendor, "ascend");
}

TEST_F(FakeNvmlTest, WatcherWithoutLibraryIsNotFound) {
  DiscoverOptions o;
  o.nvml_library = "libmanychip-no-such-nvml.so.1";
  auto w = WatchNvidiaHealth(o, [](const DeviceHealthChange&) {});
  EXPECT_EQ(w.status().code(), absl::StatusCode::kNotFound);
  o.nvml_library = "";
  EXPECT_EQ(WatchNvidiaHealth(o, [](const DeviceHealthChange&) {}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace manychip
