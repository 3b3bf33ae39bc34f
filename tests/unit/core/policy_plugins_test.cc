// Fair share, quota and backfill are plugins the profile names: without
// them the scheduler tries jobs in QueueSort order, enforces no max quota and
// reserves nothing for a blocked job.

#include <algorithm>
#include <string>
#include <vector>

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

ProfileSpec Without(ProfileSpec p, const std::string& plugin) {
  size_t before = p.plugins.size();
  std::erase_if(p.plugins, [&](const PluginArgs& a) { return a.name == plugin; });
  EXPECT_EQ(p.plugins.size() + 1, before) << plugin << " is not in the default profile";
  return p;
}

class PolicyPluginsTest : public ::testing::Test {
 protected:
  // One node with `cards` H20 cards.
  void Make(ProfileSpec profile, int32_t cards) {
    ClusterBuilder b(*catalog_);
    b.Node("n").Devices("nvidia-h20", cards);
    auto s = testing::NewScheduler(catalog_, &clock_, std::move(profile), b.Build());
    ASSERT_TRUE(s.ok()) << s.status();
    s_ = std::move(s).value();
  }
  void Submit(const std::string& id, const std::string& tenant, int32_t cards,
              absl::Duration duration = absl::ZeroDuration()) {
    ASSERT_TRUE(s_->Submit(JobBuilder(*catalog_, id)
                               .Tenant(tenant)
                               .Duration(duration)
                               .Flavor("f", {"nvidia-h20"})
                               .Cards(cards)
                               .Build())
                    .ok());
  }
  // Jobs placed by one cycle, in placement order.
  std::vector<std::string> Cycle() {
    std::vector<std::string> ids;
    for (const Binding& b : s_->RunCycle().placed) ids.push_back(b.task.job_id);
    return ids;
  }

  std::shared_ptr<const Catalog> catalog_ = CoreCatalog();
  FakeClock clock_{absl::FromUnixSeconds(1000)};
  std::unique_ptr<Scheduler> s_;
};

// Tenant a submits two jobs before tenant b's one; two cards fit two jobs.
TEST_F(PolicyPluginsTest, FairShareInterleavesTenants) {
  Make(DefaultProfile(), 2);
  Submit("a1", "a", 1);
  Submit("a2", "a", 1);
  Submit("b1", "b", 1);
  // a1 first (equal shares, tie by tenant name), then b (share 0 < a's).
  EXPECT_EQ(Cycle(), (std::vector<std::string>{"a1", "b1"}));
}

TEST_F(PolicyPluginsTest, WithoutFairShareJobsRunInQueueSortOrder) {
  Make(Without(DefaultProfile(), "fair_share"), 2);
  Submit("a1", "a", 1);
  Submit("a2", "a", 1);
  Submit("b1", "b", 1);
  EXPECT_EQ(Cycle(), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(s_->GetJob("b1")->state, JobState::kPending);
}

TEST_F(PolicyPluginsTest, WithoutFairShareQueueSortStillOrdersByPriority) {
  Make(Without(DefaultProfile(), "fair_share"), 1);
  Submit("low", "a", 1);
  ASSERT_TRUE(s_->Submit(JobBuilder(*catalog_, "high")
                             .Tenant("b")
                             .Priority(5)
                             .Flavor("f", {"nvidia-h20"})
                             .Cards(1)
                             .Build())
                  .ok());
  EXPECT_EQ(Cycle(), (std::vector<std::string>{"high"}));
}

TEST_F(PolicyPluginsTest, QuotaPluginEnforcesMaxAndWithoutItNothingIsRefused) {
  for (bool with_quota : {true, false}) {
    SCOPED_TRACE(with_quota ? "with quota" : "without quota");
    Make(with_quota ? DefaultProfile() : Without(DefaultProfile(), "quota"), 4);
    ASSERT_TRUE(s_->SetTenantQuota(TenantQuotaSpec{"a", {}, {{"devices", 2000}}, 1}).ok());
    Submit("big", "a", 3);
    std::vector<std::string> placed = Cycle();
    if (with_quota) {
      EXPECT_TRUE(placed.empty());
      EXPECT_NE(s_->GetJob("big")->last_reject.find("max devices"), std::string::npos)
          << s_->GetJob("big")->last_reject;
    } else {
      EXPECT_EQ(placed, (std::vector<std::string>{"big"}));
    }
  }
}

// A 2-card job blocks on a node with one free card; a later unbounded
// 1-card job would take the card the blocked job waits for.
TEST_F(PolicyPluginsTest, BackfillPluginHoldsCapacityForTheBlockedHead) {
  for (bool with_backfill : {true, false}) {
    SCOPED_TRACE(with_backfill ? "with backfill" : "without backfill");
    Make(with_backfill ? DefaultProfile() : Without(DefaultProfile(), "backfill"), 2);
    Submit("running", "a", 1, absl::Hours(1));
    ASSERT_EQ(Cycle(), (std::vector<std::string>{"running"}));
    Submit("head", "a", 2);
    Submit("later", "a", 1);
    std::vector<std::string> placed = Cycle();
    if (with_backfill) {
      EXPECT_TRUE(placed.empty());
      EXPECT_NE(s_->GetJob("later")->last_reject.find("would delay reserved job"),
                std::string::npos)
          << s_->GetJob("later")->last_reject;
    } else {
      EXPECT_EQ(placed, (std::vector<std::string>{"later"}));
    }
  }
}

}  // namespace
}  // namespace manychip
