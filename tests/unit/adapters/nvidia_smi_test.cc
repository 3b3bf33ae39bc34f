// nvidia-smi output for recorded hosts: good, truncated, garbled and
// inconsistent inputs give a snapshot or an error naming the tool, never a
// partial inventory.

#include "adapters/device/nvidia/nvidia_smi.h"

#include <string>

#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "tests/unit/adapters/adapter_test_util.h"

namespace manychip::nvidia {
namespace {

std::string Host(const std::string& file) {
  auto text = codec::ReadFile(adapters_test::Testdata("hosts/nvidia-hgx8/tools/" + file));
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

TEST(NvidiaSmiTest, RecordedHgxHost) {
  auto snap = SnapshotFromNvidiaSmi(Host("nvidia-smi_query-gpu.csv"), Host("nvidia-smi_topo_m.txt"),
                                    Host("nvidia-smi.txt"));
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_EQ(snap->gpus.size(), 8u);
  EXPECT_EQ(snap->driver_version, "550.54.15");
  EXPECT_EQ(snap->cuda_driver_version, 12040);
  EXPECT_EQ(snap->gpus[5].numa_node, 1);
  EXPECT_EQ(snap->gpus[5].memory_total_bytes, uint64_t{81559} << 20);
  EXPECT_TRUE(snap->pairs[0][7].nvlink_p2p);
  EXPECT_EQ(snap->pairs[0][7].nvlinks, 18);
  // Topology and banner are optional.
  snap = SnapshotFromNvidiaSmi(Host("nvidia-smi_query-gpu.csv"), "", "");
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_EQ(snap->cuda_driver_version, 0);
  EXPECT_FALSE(snap->pairs[0][1].nvlink_p2p);
}

TEST(NvidiaSmiTest, BadInputNamesTheToolAndReason) {
  const std::string csv = Host("nvidia-smi_query-gpu.csv");
  const std::string topo = Host("nvidia-smi_topo_m.txt");
  struct Bad {
    std::string csv, topo, banner, want;
  };
  const std::string header = csv.substr(0, csv.find('\n') + 1);
  const std::string first_row =
      csv.substr(header.size(), csv.find('\n', header.size()) + 1 - header.size());
  std::string other_driver = csv;
  other_driver.replace(other_driver.rfind("550.54.15"), 9, "535.104.05");
  const Bad cases[] = {
      {"", "", "", "empty output"},
      {header, "", "", "header but no devices"},
      {csv.substr(0, csv.size() - 20), "", "", "nvidia-smi --query-gpu: line 9"},
      {other_driver, "", "", "reports driver 535.104.05"},
      {header + first_row, topo, "", "8 GPUs, --query-gpu lists 1"},
      {csv, topo.substr(0, topo.find("\nGPU5\t") + 1), "", "no row for GPU5"},
      {csv, "", "| CUDA Version: twelve |", "is not MAJOR.MINOR"},
  };
  for (const Bad& c : cases) {
    auto snap = SnapshotFromNvidiaSmi(c.csv, c.topo, c.banner);
    ASSERT_FALSE(snap.ok()) << c.want;
    EXPECT_EQ(snap.status().code(), absl::StatusCode::kInvalidArgument) << snap.status();
    EXPECT_NE(snap.status().message().find(c.want), std::string::npos)
        << c.want << " vs " << snap.status();
  }
}

TEST(NvidiaSmiTest, CudaVersionFromBanner) {
  EXPECT_EQ(
      *CudaVersionFromBanner("| NVIDIA-SMI 580.65  Driver Version: 580.65  CUDA Version: 13.0 |"),
      13000);
  EXPECT_EQ(*CudaVersionFromBanner("CUDA Version: 12.10\n"), 12100);
  EXPECT_EQ(*CudaVersionFromBanner("no banner here"), 0);
  EXPECT_FALSE(CudaVersionFromBanner("CUDA Version: 12").ok());
}

}  // namespace
}  // namespace manychip::nvidia
