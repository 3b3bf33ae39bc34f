#include "src/plugins/fgd_lex_score.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/plugins/plugin_test_util.h"

namespace manychip::plugins {
namespace {

TEST(ScoreFgdLexTest, ParsesOrderKeysAndReversal) {
  absl::StatusOr<std::vector<FgdLexKey>> o = ParseFgdLexOrder("score, -idle,scarcity");
  ASSERT_TRUE(o.ok()) << o.status();
  ASSERT_EQ(o->size(), 3u);
  EXPECT_EQ((*o)[0].kind, FgdLexKey::kScore);
  EXPECT_FALSE((*o)[0].reversed);
  EXPECT_EQ((*o)[1].kind, FgdLexKey::kIdle);
  EXPECT_TRUE((*o)[1].reversed);
  EXPECT_EQ((*o)[2].kind, FgdLexKey::kScarcity);
  absl::StatusOr<std::vector<FgdLexKey>> c = ParseFgdLexOrder("score,cpuidle");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)[1].kind, FgdLexKey::kCpuIdle);
}

TEST(ScoreFgdLexTest, BadOrderNamesTheEntry) {
  EXPECT_THAT(ParseFgdLexOrder("score,speed").status().message(),
              ::testing::HasSubstr("order[1]: unknown key 'speed'"));
  EXPECT_THAT(ParseFgdLexOrder("delta,-delta").status().message(),
              ::testing::HasSubstr("order[1]: 'delta' listed twice"));
  EXPECT_EQ(ParseFgdLexOrder("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ScoreFgdLexTest, TypedDemandCountsOnlyTypedGpuTasks) {
  // 2 x 500 on models 0|2, 1 x 2 GPUs on model 2, untyped and CPU-only ignored.
  absl::StatusOr<FragWorkload> w =
      ParseFragWorkload("0:500:1:2:0|2;0:1000:2:1:2;0:300:1:5;1000:0:0:4");
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(TypedDemandByModel(*w), (std::vector<int64_t>{1000, 0, 3000}));
}

TEST(ScoreFgdLexTest, BadArgsNameThePlugin) {
  testing::PluginFixture fx;
  auto missing = NewFgdLexScore(PluginArgs{"fgd_lex", 1, {}}, fx.handle());
  EXPECT_THAT(missing.status().message(),
              ::testing::HasSubstr("plugins.fgd_lex.args.target_workload"));
  auto bad = NewFgdLexScore(
      PluginArgs{"fgd_lex", 1, {{"target_workload", "0:500:1:1"}, {"order", "nope"}}}, fx.handle());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("plugins.fgd_lex.args.order[0]"));
}

// Two identical empty nodes and one node with a half-used GPU. Against a
// workload of 500 shares and whole GPUs, filling the half-used GPU is FGD's
// choice (it leaves a whole GPU whole); between the empty nodes the order
// decides.
class FgdLexRankTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_.Add(
        testing::ClusterBuilder(*fx_.catalog).Node("n").Devices("nvidia-h20", 2).Repeat(3).Build());
    AllocationRequest r;
    r.task = TaskRef{"x", 0, 0};
    r.node = 2;
    r.devices = {1};
    r.share = MilliDevices::FromRaw(500);
    ASSERT_TRUE(fx_.cluster.Assume(r).ok());
  }
  // The winner (score 100) of one scoring round.
  NodeIndex Winner(const std::string& order, int64_t slack, std::vector<int32_t>* gpus) {
    auto made = NewFgdLexScore(PluginArgs{"fgd_lex",
                                          1000,
                                          {{"target_workload", "0:500:1:3;0:1000:1:1"},
                                           {"order", order},
                                           {"score_slack", absl::StrCat(slack)}}},
                               fx_.handle());
    EXPECT_TRUE(made.ok()) << made.status();
    auto* p = dynamic_cast<FgdLexScore*>(made->get());
    CycleState cs = fx_.State(
        testing::JobBuilder(*fx_.catalog, "j").Flavor("f", {"nvidia-h20"}).Share(500).Build());
    std::vector<NodeIndex> feasible = {0, 1, 2};
    std::vector<int64_t> scores;
    for (NodeIndex n : feasible) scores.push_back(p->Score(cs, fx_.cluster.view(n)));
    p->NormalizeScore(cs, feasible, absl::MakeSpan(scores));
    NodeIndex win = kNoNode;
    for (size_t i = 0; i < feasible.size(); ++i) {
      if (scores[i] == 100) {
        EXPECT_EQ(win, kNoNode) << "one winner only";
        win = feasible[i];
      } else {
        EXPECT_LE(scores[i], 99);
      }
    }
    EXPECT_EQ(cs.device_chooser(), p);
    if (gpus != nullptr && win != kNoNode) *gpus = p->ChooseDevices(cs, fx_.cluster.view(win));
    return win;
  }
  testing::PluginFixture fx_;
};

TEST_F(FgdLexRankTest, FgdScoreFirstPicksTheHalfUsedGpu) {
  std::vector<int32_t> gpus;
  EXPECT_EQ(Winner("score,delta", 0, &gpus), 2);
  EXPECT_EQ(gpus, std::vector<int32_t>{1});
}

TEST_F(FgdLexRankTest, ReversedKeyAndSlackChangeTheWinner) {
  // Most idle GPU left first: an empty node, the lowest index on the tie.
  EXPECT_EQ(Winner("-idle", 0, nullptr), 0);
  // A slack of 100 makes every FGD score equal: the next key decides.
  EXPECT_EQ(Winner("score,-idle", 100, nullptr), 0);
  EXPECT_EQ(Winner("score,-idle", 0, nullptr), 2);
}

}  // namespace
}  // namespace manychip::plugins
