// A live-discovery agent (NVML loaded with dlopen, here the fake library of
// tests/unit/adapters/fakes) reports a GPU hit by a critical XID as
// unhealthy through its health watcher, the daemon isolates it, and the
// agent's periodic re-discovery (which still lists the GPU as healthy:
// NVML has no "recovered" event) does not bring it back.

#include <cstdlib>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace manychip::testing {
namespace {

// Health of `device` on `node` as the daemon sees it; -1 if unknown.
int DeviceHealth(Cluster& c, const std::string& node, int32_t device) {
  auto stub = c.Client();
  grpc::ClientContext ctx;
  v1::ListNodesResponse resp;
  if (!stub->ListNodes(&ctx, v1::ListNodesRequest(), &resp).ok()) return -1;
  for (const auto& n : resp.nodes()) {
    if (n.node().name() != node) continue;
    for (const auto& d : n.node().devices()) {
      if (d.index() == device) return d.health();
    }
  }
  return -1;
}

TEST(XidHealthTest, CriticalXidIsolatesTheGpuAndRediscoveryKeepsItIsolated) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  std::filesystem::create_directories(c.File("empty-sys"));
  std::filesystem::create_directories(c.File("agent-gpu-x"));
  // XID 13 is application-caused and must be ignored; 79 (fallen off the
  // bus) is critical. The fake delivers them in order.
  setenv("FAKE_NVML_GPUS", "2", 1);
  setenv("FAKE_NVML_XIDS", "0:13,1:79", 1);
  Process agent(
      {Bin("manychip-agent"), "--server=" + c.address(), "--node=gpu-x", "--discover",
       "--nvml_library=" MC_FAKE_NVML_SO, "--sysfs_root=" + c.File("empty-sys"),
       "--catalog=" + Src("examples/catalog/devices.json"), "--workdir=" + c.File("agent-gpu-x"),
       "--health_poll=100ms", "--backoff_initial=50ms", "--backoff_max=300ms", "--stop_grace=1s"},
      c.File("agent-gpu-x.log"));
  unsetenv("FAKE_NVML_GPUS");
  unsetenv("FAKE_NVML_XIDS");
  auto logs = [&] { return c.Logs() + "--- agent gpu-x ---\n" + Slurp(c.File("agent-gpu-x.log")); };
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(15))) << logs();
  ASSERT_TRUE(
      WaitFor([&] { return DeviceHealth(c, "gpu-x", 1) == v1::UNHEALTHY; }, absl::Seconds(10)))
      << logs();
  EXPECT_EQ(DeviceHealth(c, "gpu-x", 0), v1::HEALTHY) << logs();
  // Several health reports later the GPU is still isolated.
  ASSERT_TRUE(c.WaitHeartbeats("gpu-x", 3, absl::Seconds(10))) << logs();
  EXPECT_EQ(DeviceHealth(c, "gpu-x", 1), v1::UNHEALTHY) << logs();
  EXPECT_EQ(DeviceHealth(c, "gpu-x", 0), v1::HEALTHY) << logs();
  EXPECT_TRUE(absl::StrContains(Slurp(c.File("agent-gpu-x.log")), "xid 79")) << logs();
  agent.Kill(SIGTERM);
}

}  // namespace
}  // namespace manychip::testing
