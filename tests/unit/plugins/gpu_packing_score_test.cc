#include "src/plugins/gpu_packing_score.h"

#include <vector>

#include "gtest/gtest.h"

namespace manychip::plugins {
namespace {

TEST(ScoreGpuPackingTest, Tiers) {
  const std::vector<int64_t> empty8(8, 1000);
  const std::vector<int64_t> used = {1000, 1000, 400, 0, 1000, 1000, 1000, 1000};
  const std::vector<int64_t> empty2(2, 1000);
  GpuNode e8{.model = 0, .cpu_left = 1, .free = empty8};
  GpuNode u{.model = 0, .cpu_left = 1, .free = used};
  GpuNode e2{.model = 0, .cpu_left = 1, .free = empty2};
  GpuAsk share{.cpu = 0, .milli = 300, .count = 1};
  // Shared GPU with 400 free: 100 - 40/10 = 96.
  EXPECT_EQ(GpuPackingScore(u, share), 96);
  // Needs a full GPU on a used node: 50 - 1.
  EXPECT_EQ(GpuPackingScore(u, {.cpu = 0, .milli = 1000, .count = 1}), 49);
  // Empty nodes: max(33 - gpus, gpus).
  EXPECT_EQ(GpuPackingScore(e8, share), 25);
  EXPECT_EQ(GpuPackingScore(e2, share), 31);
  // CPU-only tasks: 0.
  EXPECT_EQ(GpuPackingScore(u, {.cpu = 1000, .milli = 0, .count = 0}), 0);
}

}  // namespace
}  // namespace manychip::plugins
