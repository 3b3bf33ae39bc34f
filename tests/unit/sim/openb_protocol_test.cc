#include "manychip/sim/openb_protocol.h"

#include <algorithm>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/sim/openb_metrics.h"

namespace manychip::sim {
namespace {

OpenbPod Pod(std::string name, int64_t cpu, int32_t num_gpu, int64_t milli) {
  OpenbPod p;
  p.name = std::move(name);
  p.cpu_milli = cpu;
  p.num_gpu = num_gpu;
  p.gpu_milli = milli;
  return p;
}

std::vector<OpenbNode> Nodes(int n, int gpus) {
  std::vector<OpenbNode> nodes;
  for (int i = 0; i < n; ++i) {
    OpenbNode node;
    node.name = "n" + std::to_string(i);
    node.cpu_milli = 64000;
    node.gpu_count = gpus;
    nodes.push_back(node);
  }
  return nodes;
}

std::vector<OpenbPod> Pods() {
  std::vector<OpenbPod> pods;
  for (int i = 0; i < 20; ++i) pods.push_back(Pod("p" + std::to_string(i), 1000, 1, 500));
  for (int i = 0; i < 5; ++i) pods.push_back(Pod("w" + std::to_string(i), 4000, 2, 1000));
  pods.push_back(Pod("c0", 2000, 0, 0));
  return pods;
}

TEST(OpenbProtocolTest, TunesUpToTargetAndAppendsSamples) {
  auto nodes = Nodes(4, 8);  // 32 GPUs = 32000 milli; trace = 20000
  auto e = BuildOpenbExperiment(nodes, Pods(), {.seed = 42, .tune_permille = 1300});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->capacity_gpu_milli, 32000);
  // Stops at the first sample whose per-GPU share would cross the target; a
  // multi-GPU sample may overshoot by at most one pod's extra GPUs.
  EXPECT_GT(e->arrived_gpu_milli, 41600 - 1000);
  EXPECT_LE(e->arrived_gpu_milli, 41600 + 1000);
  ASSERT_GT(e->arrivals.size(), 26u);
  // The trace pods come first (shuffled), samples after.
  std::set<std::string> first;
  for (size_t i = 0; i < 26; ++i) first.insert(e->arrivals[i].name);
  EXPECT_EQ(first.size(), 26u);
  EXPECT_THAT(e->arrivals[26].name, ::testing::HasSubstr("-tuned-0"));
  int64_t total = 0;
  for (const OpenbPod& p : e->arrivals) total += p.total_gpu_milli();
  EXPECT_EQ(total, e->arrived_gpu_milli);
  // node_order is a permutation.
  std::vector<int32_t> order = e->node_order;
  std::sort(order.begin(), order.end());
  EXPECT_EQ(order, (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST(OpenbProtocolTest, SameSeedSameExperimentOtherSeedDiffers) {
  auto nodes = Nodes(40, 8);
  auto a = BuildOpenbExperiment(nodes, Pods(), {.seed = 7});
  auto b = BuildOpenbExperiment(nodes, Pods(), {.seed = 7});
  auto c = BuildOpenbExperiment(nodes, Pods(), {.seed = 8});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto names = [](const OpenbExperiment& e) {
    std::vector<std::string> n;
    for (const auto& p : e.arrivals) n.push_back(p.name);
    return n;
  };
  EXPECT_EQ(names(*a), names(*b));
  EXPECT_EQ(a->node_order, b->node_order);
  EXPECT_NE(names(*a), names(*c));
  EXPECT_NE(a->node_order, c->node_order);
}

TEST(OpenbProtocolTest, FileOrderDoesNotMatter) {
  auto pods = Pods();
  auto reversed = pods;
  std::reverse(reversed.begin(), reversed.end());
  auto nodes = Nodes(4, 8);
  auto a = BuildOpenbExperiment(nodes, pods, {.seed = 3});
  auto b = BuildOpenbExperiment(nodes, reversed, {.seed = 3});
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t i = 0; i < a->arrivals.size(); ++i) {
    EXPECT_EQ(a->arrivals[i].name, b->arrivals[i].name);
  }
}

TEST(OpenbProtocolTest, TuneBelowTraceDropsPods) {
  auto nodes = Nodes(1, 8);  // 8000 milli; 50% target = 4000
  auto e = BuildOpenbExperiment(nodes, Pods(), {.seed = 1, .tune_permille = 500});
  ASSERT_TRUE(e.ok());
  EXPECT_LE(e->arrived_gpu_milli, 4000);
  EXPECT_LT(e->arrivals.size(), 26u);
}

TEST(OpenbProtocolTest, TypicalWorkloadKeepsMostPopularUntilCutoff) {
  std::vector<OpenbPod> pods;
  for (int i = 0; i < 60; ++i) pods.push_back(Pod("a" + std::to_string(i), 1000, 1, 500));
  for (int i = 0; i < 30; ++i) pods.push_back(Pod("b" + std::to_string(i), 2000, 2, 1000));
  for (int i = 0; i < 6; ++i) pods.push_back(Pod("c" + std::to_string(i), 3000, 0, 0));
  for (int i = 0; i < 4; ++i) pods.push_back(Pod("d" + std::to_string(i), 5000, 1, 250));
  auto w = TypicalWorkload(pods, 95);
  // 60 + 30 = 90% < 95%, + 6 = 96% >= 95%: three shapes.
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].count, 60);
  EXPECT_EQ(w[0].gpu_milli, 500);
  EXPECT_EQ(w[1].gpu_count, 2);
  EXPECT_EQ(w[2].gpu_count, 0);
  EXPECT_EQ(FormatTargetWorkload(w), "1000:500:1:60;2000:1000:2:30;3000:0:0:6");
}

TEST(OpenbMetricsTest, PercentRounding) {
  EXPECT_EQ(ArrivedPercent(995, 1000), 100);  // 99.5 -> 100 (ties to even)
  EXPECT_EQ(ArrivedPercent(985, 1000), 98);   // 98.5 -> 98
  EXPECT_EQ(ArrivedPercent(1304, 1000), 130);
  EXPECT_DOUBLE_EQ(RoundedPercent(1, 3), 33.33);
  EXPECT_DOUBLE_EQ(RoundedPercent(2, 3), 66.67);
}

TEST(OpenbMetricsTest, BinnedSeriesMeansAndWidens) {
  BinnedSeries s;
  s.Record(98, 90.0);
  s.Record(98, 92.0);
  s.Record(101, 95.0);
  EXPECT_DOUBLE_EQ(*s.MeanAt(98), 91.0);
  EXPECT_DOUBLE_EQ(*s.MeanAt(100), 95.0);  // widened to 99..101
  EXPECT_DOUBLE_EQ(*s.MeanAt(99), 91.0);   // widened to 98..100
  EXPECT_FALSE(s.MeanAt(50).has_value());
  EXPECT_EQ(s.Xs(), (std::vector<int>{98, 101}));
}

}  // namespace
}  // namespace manychip::sim
