// Gang holds against quota and backfill: a held partial reservation counts
// against its tenant's max quota (a hold never lets a tenant pass its max,
// and a gang whose need exceeds the max holds nothing), and the backfill
// reservation of a holding gang asks only for what it still lacks.

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "manychip/core/scheduler.h"
#include "tests/testing/cluster_builder.h"
#include "tests/testing/job_builder.h"
#include "tests/testing/scheduler_setup.h"

namespace manychip {
namespace {

using testing::ClusterBuilder;
using testing::CoreCatalog;
using testing::JobBuilder;

class GangHoldQuotaTest : public ::testing::Test {
 protected:
  // Gang holds for 60 s; `h20` and `h100` 8-card nodes.
  void Make(int32_t h20, int32_t h100) {
    ClusterBuilder b(*catalog_);
    b.Node("h20").Devices("nvidia-h20", 8).Repeat(h20);
    if (h100 > 0) b.Node("h100").Devices("nvidia-h100", 8).Repeat(h100);
    auto s = testing::NewScheduler(catalog_, &clock_,
                                   testing::WithGangTimeout(DefaultProfile(), 60), b.Build());
    ASSERT_TRUE(s.ok()) << s.status();
    s_ = std::move(s).value();
  }
  void Submit(const std::string& id, const std::string& tenant, const char* model, int32_t cards,
              int32_t replicas, absl::Duration duration = absl::ZeroDuration()) {
    ASSERT_TRUE(s_->Submit(JobBuilder(*catalog_, id)
                               .Tenant(tenant)
                               .Duration(duration)
                               .Flavor("f", {model})
                               .Cards(cards)
                               .Replicas(replicas)
                               .Build())
                    .ok());
  }
  JobView View(const std::string& id) {
    absl::StatusOr<JobView> v = s_->GetJob(id);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *std::move(v) : JobView{};
  }
  size_t Unbound() const { return testing::UnboundAllocations(s_->cluster()); }

  std::shared_ptr<const Catalog> catalog_ = CoreCatalog();
  FakeClock clock_{absl::FromUnixSeconds(1000)};
  std::unique_ptr<Scheduler> s_;
};

TEST_F(GangHoldQuotaTest, GangWhoseNeedExceedsTheMaxHoldsNothingAndSaysWhy) {
  Make(3, 1);
  ASSERT_TRUE(s_->SetTenantQuota(TenantQuotaSpec{"a", {}, {{"devices", 20000}}, 1}).ok());
  Submit("blocker", "b", "nvidia-h20", 8, 1);
  ASSERT_EQ(s_->RunCycle().placed.size(), 1u);
  // 3 x 8 = 24 cards > a's max of 20: 2 nodes are free, but holding them
  // would be 16 cards of a gang that can never run under the max.
  Submit("gang", "a", "nvidia-h20", 8, 3);
  Submit("other", "a", "nvidia-h100", 8, 1);
  CycleResult r = s_->RunCycle();
  EXPECT_EQ(Unbound(), 0u);
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.placed[0].task.job_id, "other");
  EXPECT_NE(
      View("gang").last_reject.find("gang not holding: its need exceeds tenant a max devices"),
      std::string::npos)
      << View("gang").last_reject;
  absl::StatusOr<Explanation> e = s_->Explain("gang");
  ASSERT_TRUE(e.ok());
  EXPECT_NE(e->summary.find("max devices"), std::string::npos) << e->summary;
  EXPECT_TRUE(s_->cluster().CheckConsistency().ok());
}

TEST_F(GangHoldQuotaTest, HeldCardsCountAgainstTheTenantsMax) {
  Make(3, 2);
  ASSERT_TRUE(s_->SetTenantQuota(TenantQuotaSpec{"a", {}, {{"devices", 24000}}, 1}).ok());
  Submit("blocker", "b", "nvidia-h20", 8, 1);
  ASSERT_EQ(s_->RunCycle().placed.size(), 1u);
  Submit("gang", "a", "nvidia-h20", 8, 3);  // need 24 = the max: it may hold
  ASSERT_TRUE(s_->RunCycle().placed.empty());
  ASSERT_EQ(Unbound(), 2u);  // 16 cards held
  // 16 held + 16 more would be 32 > 24, although a runs nothing yet.
  Submit("wide", "a", "nvidia-h100", 8, 2);
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(s_->RunCycle().placed.empty());
  EXPECT_EQ(View("wide").state, JobState::kPending);
  EXPECT_NE(View("wide").last_reject.find("max devices"), std::string::npos)
      << View("wide").last_reject;
  // 16 held + 8 = 24 fits.
  Submit("narrow", "a", "nvidia-h100", 8, 1);
  clock_.Advance(absl::Seconds(1));
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.placed[0].task.job_id, "narrow");
  EXPECT_EQ(Unbound(), 2u);
  EXPECT_TRUE(s_->cluster().CheckConsistency().ok());
}

TEST_F(GangHoldQuotaTest, ReleasedHoldNoLongerCounts) {
  Make(3, 2);
  ASSERT_TRUE(s_->SetTenantQuota(TenantQuotaSpec{"a", {}, {{"devices", 24000}}, 1}).ok());
  Submit("blocker", "b", "nvidia-h20", 8, 1);
  ASSERT_EQ(s_->RunCycle().placed.size(), 1u);
  Submit("gang", "a", "nvidia-h20", 8, 3);
  ASSERT_TRUE(s_->RunCycle().placed.empty());
  ASSERT_EQ(Unbound(), 2u);
  ASSERT_TRUE(s_->Cancel("gang").ok());
  Submit("wide", "a", "nvidia-h100", 8, 2);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(s_->RunCycle().placed.size(), 2u);
}

TEST_F(GangHoldQuotaTest, BackfillCountsOnlyWhatTheHoldingGangStillNeeds) {
  Make(4, 0);
  Submit("run", "b", "nvidia-h20", 8, 1, absl::Hours(1));
  Submit("run2", "b", "nvidia-h20", 4, 1, absl::Hours(1));
  ASSERT_EQ(s_->RunCycle().placed.size(), 2u);
  // The gang holds 2 whole nodes and lacks one task (8 cards). In 1 h "run"
  // and "run2" free 12 cards beside the 4 free now: 8 for the gang, 4 to
  // spare, so a 3 h job of 2 cards may start. Counted against the full
  // 24-card need (16 of them held) it would be refused.
  Submit("gang", "a", "nvidia-h20", 8, 3);
  Submit("long", "c", "nvidia-h20", 2, 1, absl::Hours(3));
  CycleResult r = s_->RunCycle();
  EXPECT_EQ(Unbound(), 2u);
  ASSERT_EQ(r.placed.size(), 1u) << View("long").last_reject;
  EXPECT_EQ(r.placed[0].task.job_id, "long");
  EXPECT_TRUE(s_->cluster().CheckConsistency().ok());
}

}  // namespace
}  // namespace manychip
