#include "src/plugins/random_score.h"

#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace manychip::plugins {
namespace {

TEST(ScoreRandomTest, RandomGpuIsAmongThoseThatFit) {
  const std::vector<int64_t> free = {100, 900, 0, 600, 1000};
  GpuNode n{.model = 0, .cpu_left = 1, .free = free};
  std::set<int32_t> seen;
  for (uint64_t r = 0; r < 64; ++r) {
    auto g = PickRandomGpus(n, {.cpu = 0, .milli = 500, .count = 1}, r);
    ASSERT_EQ(g.size(), 1u);
    seen.insert(g[0]);
  }
  EXPECT_EQ(seen, (std::set<int32_t>{1, 3, 4}));
  EXPECT_TRUE(PickRandomGpus(n, {.cpu = 0, .milli = 950, .count = 1}, 5).size() == 1);
  EXPECT_TRUE(PickRandomGpus(n, {.cpu = 0, .milli = 1000, .count = 2}, 5).empty());
}

TEST(ScoreRandomTest, FactoryNeedsRng) {
  PluginArgs args;
  args.name = "random";
  EXPECT_FALSE(NewRandomScore(args, FrameworkHandle{}).ok());
  std::mt19937_64 rng(1);
  Catalog catalog;
  ClusterState cluster(&catalog);
  FrameworkHandle h;
  h.rng = &rng;
  h.cluster = &cluster;
  EXPECT_TRUE(NewRandomScore(args, h).ok());
}

}  // namespace
}  // namespace manychip::plugins
