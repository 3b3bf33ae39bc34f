#include "src/plugins/dot_product_score.h"

#include <vector>

#include "gtest/gtest.h"

namespace manychip::plugins {
namespace {

TEST(ScoreDotProductTest, LessAlignedNodeScoresHigher) {
  const std::vector<int64_t> full(8, 1000);
  const std::vector<int64_t> one = {1000, 0, 0, 0, 0, 0, 0, 0};
  GpuNode big{.model = 0, .cpu_left = 128000, .free = full};
  GpuNode small{.model = 0, .cpu_left = 16000, .free = one};
  GpuAsk ask{.cpu = 16000, .milli = 1000, .count = 1};
  // big: dot = 1 * 0.125 + 1 * 0.125 = 0.25 -> 100 * (1 - 0.125) = 87.5 -> 87.
  EXPECT_EQ(DotProductScore(big, ask), 87);
  // small: 0.125*0.125 + 0.125*0.125 = 0.03125 -> 100 * (1 - 0.015625) -> 98.
  EXPECT_EQ(DotProductScore(small, ask), 98);
}

}  // namespace
}  // namespace manychip::plugins
