#include "src/plugins/best_fit_score.h"

#include <vector>

#include "gtest/gtest.h"

namespace manychip::plugins {
namespace {

TEST(ScoreBestFitTest, TighterNodeScoresHigher) {
  const std::vector<int64_t> empty8(8, 1000);
  const std::vector<int64_t> half8 = {1000, 1000, 1000, 1000, 0, 0, 0, 0};
  GpuNode a{.model = 0, .cpu_left = 96000, .cpu_capacity = 96000, .free = empty8};
  GpuNode b{.model = 0, .cpu_left = 48000, .cpu_capacity = 96000, .free = half8};
  GpuAsk ask{.cpu = 8000, .milli = 1000, .count = 1};
  // (1 - (0.5*88000/128000 + 0.5*7000/8000)) * 100 = 21.875 -> 21.
  EXPECT_EQ(BestFitRawScore(a, ask), 21);
  // (1 - (0.5*40000/128000 + 0.5*3000/8000)) * 100 = 65.625 -> 65.
  EXPECT_EQ(BestFitRawScore(b, ask), 65);
}

TEST(ScoreBestFitTest, MinMaxNormalize) {
  std::vector<int64_t> s = {21, 65, 43};
  MinMaxNormalize(absl::MakeSpan(s));
  EXPECT_EQ(s, (std::vector<int64_t>{0, 100, 50}));
  std::vector<int64_t> same = {7, 7};
  MinMaxNormalize(absl::MakeSpan(same));
  EXPECT_EQ(same, (std::vector<int64_t>{0, 0}));
}

TEST(ScoreBestFitTest, BestFitGpuChoice) {
  const std::vector<int64_t> free = {1000, 600, 300, 600};
  GpuNode n{.model = 0, .cpu_left = 1000, .free = free};
  EXPECT_EQ(PickBestFitGpus(n, {.cpu = 0, .milli = 500, .count = 1}), std::vector<int32_t>{1});
  EXPECT_EQ(PickBestFitGpus(n, {.cpu = 0, .milli = 200, .count = 1}), std::vector<int32_t>{2});
  EXPECT_EQ(PickBestFitGpus(n, {.cpu = 0, .milli = 1000, .count = 1}), std::vector<int32_t>{0});
  EXPECT_TRUE(PickBestFitGpus(n, {.cpu = 0, .milli = 1000, .count = 2}).empty());
  EXPECT_TRUE(PickBestFitGpus(n, {.cpu = 1, .milli = 0, .count = 0}).empty());
}

}  // namespace
}  // namespace manychip::plugins
