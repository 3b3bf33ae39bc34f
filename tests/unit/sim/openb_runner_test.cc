#include "manychip/sim/openb_runner.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "manychip/sim/openb_batch.h"
#include "tests/unit/sim/sim_test_util.h"

namespace manychip::sim {
namespace {

using testing::NodesCsv;
using testing::OpenbCatalog;
using testing::PodsCsv;
using testing::Profile;

class OpenbRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_ = OpenbCatalog();
    auto n = ParseOpenbNodes(NodesCsv(6, 4), "nodes.csv", catalog_.get());
    ASSERT_TRUE(n.ok()) << n.status();
    nodes_ = *n;
    auto p = ParseOpenbPods(PodsCsv(120), "pods.csv", catalog_.get());
    ASSERT_TRUE(p.ok()) << p.status();
    pods_ = *p;
  }
  OpenbRunOptions Options(ProfileSpec profile, uint64_t seed) {
    OpenbRunOptions o;
    o.catalog = catalog_;
    o.profile = std::move(profile);
    o.seed = seed;
    return o;
  }

  std::shared_ptr<const Catalog> catalog_;
  std::vector<OpenbNode> nodes_;
  std::vector<OpenbPod> pods_;
};

TEST_F(OpenbRunnerTest, EveryPolicyRunsAndAccountsConsistently) {
  for (const char* plugin :
       {"random", "dot_product", "gpu_clustering", "gpu_packing", "best_fit", "fgd"}) {
    ProfileSpec p =
        Profile(plugin, std::string(plugin) == "fgd" ? "{\"target_workload\":\"trace\"}" : "");
    auto r = RunOpenbSeed(nodes_, pods_, Options(p, 42));
    ASSERT_TRUE(r.ok()) << plugin << ": " << r.status();
    EXPECT_EQ(r->arrivals, r->placed + r->failed) << plugin;
    EXPECT_GT(r->placed, 0) << plugin;
    EXPECT_GT(r->failed, 0) << plugin << ": 130% demand cannot all fit";
    // Curve is monotone in arrivals and bounded by capacity.
    ASSERT_FALSE(r->alloc_pct.empty());
    for (size_t i = 1; i < r->alloc_pct.size(); ++i) {
      EXPECT_GE(r->alloc_pct[i] + 1e-9, r->alloc_pct[i - 1]) << plugin;
    }
    EXPECT_LE(r->alloc_pct.back(), 100.0);
    EXPECT_GE(r->unallocated_gpu_pct_at_100, 0.0);
    EXPECT_LE(r->unallocated_gpu_pct_at_130, r->unallocated_gpu_pct_at_100 + 1e-9) << plugin;
  }
}

TEST_F(OpenbRunnerTest, SameSeedSameJsonDifferentSeedDiffers) {
  ProfileSpec p = Profile("fgd", "{\"target_workload\":\"trace\"}");
  OpenbRunOptions base = Options(p, 0);
  auto a = RunOpenbPolicy(nodes_, pods_, "fgd", base, {42, 43}, 2, nullptr);
  auto b = RunOpenbPolicy(nodes_, pods_, "fgd", base, {42, 43}, 1, nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(OpenbResultJson(*a, false), OpenbResultJson(*b, false));
  auto c = RunOpenbPolicy(nodes_, pods_, "fgd", base, {44, 45}, 2, nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(OpenbResultJson(*a, false), OpenbResultJson(*c, false));
  EXPECT_THAT(OpenbResultJson(*a), ::testing::HasSubstr("\"wall_seconds\""));
  EXPECT_THAT(OpenbResultJson(*a, false),
              ::testing::HasSubstr("\"unallocated_gpu_pct\":{\"at_100\":"));
}

TEST_F(OpenbRunnerTest, FgdNeedsItsWorkload) {
  auto r = RunOpenbSeed(nodes_, pods_, Options(Profile("fgd"), 42));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("target_workload"));
}

TEST_F(OpenbRunnerTest, UnknownPluginIsAnError) {
  auto r = RunOpenbSeed(nodes_, pods_, Options(Profile("no_such_plugin"), 42));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace manychip::sim
