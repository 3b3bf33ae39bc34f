#include "src/plugins/gpu_clustering_score.h"

#include <vector>

#include "gtest/gtest.h"

namespace manychip::plugins {
namespace {

TEST(ScoreGpuClusteringTest, Tiers) {
  const std::vector<int64_t> free = {1000, 1000, 1000, 1000, 1000, 1000, 1000, 0};  // 7000
  GpuNode n{.model = 0, .cpu_left = 1, .free = free};
  GpuAsk share{.cpu = 0, .milli = 500, .count = 1};
  const int64_t packed = 25 * 1000 / 8000;  // 3
  EXPECT_EQ(GpuClassOf(share), -1);
  EXPECT_EQ(GpuClusteringScore(n, share, {{-1, 2}}), packed + 75);
  EXPECT_EQ(GpuClusteringScore(n, share, {{-1, 2}, {1, 1}}), packed + 50);
  EXPECT_EQ(GpuClusteringScore(n, share, {}), packed + 25);
  EXPECT_EQ(GpuClusteringScore(n, share, {{8, 1}}), packed);
  EXPECT_EQ(GpuClusteringScore(n, {.cpu = 1, .milli = 0, .count = 0}, {}), 0);
  EXPECT_EQ(GpuClassOf({.cpu = 0, .milli = 1000, .count = 4}), 4);
}

}  // namespace
}  // namespace manychip::plugins
