#include "src/plugins/fgd_score.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace manychip::plugins {
namespace {

FragWorkload Workload(const char* text) {
  auto w = ParseFragWorkload(text);
  EXPECT_TRUE(w.ok()) << w.status();
  return *w;
}

// Hand-computed cases of the paper's definition (docs/design/fgd-protocol.md 4.1).
TEST(ScoreFgdTest, TaskFragClasses) {
  const std::vector<int64_t> free = {1000, 300, 0, 600};  // idle 1900
  FragTask share{.cpu_milli = 1000, .gpu_milli = 500, .gpu_count = 1, .models = {}, .weight = 1};
  // Q3: fits; GPUs with < 500 free are fragment: 300 + 0.
  EXPECT_EQ(TaskFrag(share, 0, 8000, free), 300);
  // Q4: GPUs fit but CPU lacks: all idle.
  EXPECT_EQ(TaskFrag(share, 0, 500, free), 1900);
  FragTask two{.cpu_milli = 0, .gpu_milli = 1000, .gpu_count = 2, .models = {}, .weight = 1};
  // Q2: only one full GPU: all idle is fragment.
  EXPECT_EQ(TaskFrag(two, 0, 8000, free), 1900);
  FragTask one{.cpu_milli = 0, .gpu_milli = 1000, .gpu_count = 1, .models = {}, .weight = 1};
  EXPECT_EQ(TaskFrag(one, 0, 8000, free), 900);
  // CPU-only tasks count all idle GPU as fragment even when they fit.
  FragTask cpu{.cpu_milli = 1000, .gpu_milli = 0, .gpu_count = 0, .models = {}, .weight = 1};
  EXPECT_EQ(TaskFrag(cpu, 0, 8000, free), 1900);
  // NoAccess: model not accepted.
  FragTask typed{.cpu_milli = 0, .gpu_milli = 100, .gpu_count = 1, .models = {3}, .weight = 1};
  EXPECT_EQ(TaskFrag(typed, 0, 8000, free), 1900);
  EXPECT_EQ(TaskFrag(typed, 3, 8000, free), 0);
  // A node without GPUs has nothing to fragment.
  EXPECT_EQ(TaskFrag(share, -1, 8000, {}), 0);
}

TEST(ScoreFgdTest, WeightedFragIsPopularitySum) {
  FragWorkload w = Workload("1000:500:1:3;0:1000:1:1");
  const std::vector<int64_t> free = {1000, 300};
  // 3 x 300 + 1 x 300.
  EXPECT_EQ(WeightedFrag(w, 0, 8000, free), 1200);
  EXPECT_EQ(w.total_weight, 4);
}

TEST(ScoreFgdTest, ScoreQuantisation) {
  EXPECT_EQ(FgdScore(0, 0, 1), 50);
  // delta = +1000 milli: 100 * sigmoid(-1) = 26.89 -> 26.
  EXPECT_EQ(FgdScore(0, 1000, 1), 26);
  // delta = -1000: 73.1 -> 73.
  EXPECT_EQ(FgdScore(1000, 0, 1), 73);
  // Weighted values divide by the total weight first.
  EXPECT_EQ(FgdScore(0, 4000, 4), 26);
}

TEST(ScoreFgdTest, CacheIsExactAndOrderFree) {
  FragWorkload w = Workload("1000:500:1:3;4000:1000:1:1;0:0:0:2");
  FragCache cache(&w);
  const std::vector<int64_t> a = {1000, 300, 700};
  const std::vector<int64_t> b = {700, 1000, 300};
  for (int64_t cpu : {0, 999, 1000, 3999, 4000, 100000}) {
    EXPECT_EQ(cache.Get(0, cpu, a), WeightedFrag(w, 0, cpu, a)) << cpu;
    EXPECT_EQ(cache.Get(0, cpu, b), WeightedFrag(w, 0, cpu, b)) << cpu;
  }
  // Same sorted vector and same CPU bucket share one entry per bucket.
  EXPECT_LE(cache.size(), 4u);
}

TEST(ScoreFgdTest, EvaluatePicksLeastFragmentingGpu) {
  // Only 500-milli sharing tasks matter: putting 500 on the half-used GPU
  // leaves a clean full GPU; on the full GPU it leaves two halves (no frag
  // for 500 either) -- but a 1-GPU whole task then cannot fit.
  FragWorkload w = Workload("0:500:1:1;0:1000:1:1");
  FragCache cache(&w);
  const std::vector<int64_t> free = {1000, 500};
  GpuNode node{.model = 0, .cpu_left = 8000, .cpu_capacity = 8000, .free = free};
  FgdChoice c = FgdEvaluate(node, GpuAsk{.cpu = 0, .milli = 500, .count = 1}, cache, true);
  ASSERT_TRUE(c.fit);
  EXPECT_EQ(c.gpus, std::vector<int32_t>{1});
  // Whole-GPU task takes the free GPU.
  FgdChoice whole = FgdEvaluate(node, GpuAsk{.cpu = 0, .milli = 1000, .count = 1}, cache, true);
  ASSERT_TRUE(whole.fit);
  EXPECT_EQ(whole.gpus, std::vector<int32_t>{0});
  // Does not fit: two whole GPUs.
  EXPECT_FALSE(FgdEvaluate(node, GpuAsk{.cpu = 0, .milli = 1000, .count = 2}, cache, true).fit);
}

TEST(ScoreFgdTest, ParseErrorsNameTheField) {
  auto bad = ParseFragWorkload("1000:500:1:0");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("target_workload[0].weight"));
  bad = ParseFragWorkload("1:2:3:4;1000:x:1:1");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("target_workload[1].gpu_milli"));
  bad = ParseFragWorkload("1000:500:0:1");
  EXPECT_FALSE(bad.ok());
  bad = ParseFragWorkload("");
  EXPECT_FALSE(bad.ok());
  auto ok = ParseFragWorkload("1000:500:1:3:2|0;0:0:0:1");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->tasks[0].models, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(FormatFragWorkload(*ok), "1000:500:1:3:0|2;0:0:0:1");
}

}  // namespace
}  // namespace manychip::plugins
