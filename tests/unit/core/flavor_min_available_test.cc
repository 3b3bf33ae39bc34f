// Per-flavor gang sizes: one task group may run as 2 x 8 H100 or 4 x 8 910B,
// each flavor with its own replicas and min_available. Placement, Permit and
// explain use the numbers of the flavor being tried.

#include "gtest/gtest.h"
#include "manychip/core/scheduler.h"
#include "tests/testing/cluster_builder.h"
#include "tests/testing/job_builder.h"

namespace manychip {
namespace {

using testing::ClusterBuilder;
using testing::CoreCatalog;
using testing::JobBuilder;

class FlavorMinAvailableTest : public ::testing::Test {
 protected:
  void Make(int32_t ascend_nodes) {
    SchedulerOptions o;
    o.catalog = catalog_;
    o.clock = &clock_;
    o.profile = DefaultProfile();
    auto s = Scheduler::Create(std::move(o));
    ASSERT_TRUE(s.ok()) << s.status();
    s_ = std::move(s).value();
    for (const NodeSpec& n : ClusterBuilder(*catalog_)
                                 .Node("a")
                                 .Devices("ascend-910b", 8)
                                 .Repeat(ascend_nodes)
                                 .Build()) {
      ASSERT_TRUE(s_->AddNode(n).ok());
    }
  }
  // "h100": 2 x 8 cards, all replicas needed (the group's default);
  // "910b": 4 x 8 cards, of which `ascend_min` must start together.
  JobSpec TwoSizedGang(int32_t ascend_min) const {
    JobSpec job = JobBuilder(*catalog_, "gang")
                      .Flavor("h100", {"nvidia-h100"})
                      .Cards(8)
                      .Replicas(2)
                      .Flavor("910b", {"ascend-910b"})
                      .Cards(8)
                      .Replicas(4)
                      .Build();
    job.task_groups[0].flavors[1].min_available = ascend_min;
    return job;
  }

  std::shared_ptr<const Catalog> catalog_ = CoreCatalog();
  FakeClock clock_{absl::FromUnixSeconds(1000)};
  std::unique_ptr<Scheduler> s_;
};

TEST_F(FlavorMinAvailableTest, GangStartsWithTheChosenFlavorsMinimum) {
  Make(2);  // room for 2 of the 4 ascend tasks, no H100 at all
  ASSERT_TRUE(s_->Submit(TwoSizedGang(2)).ok());
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 2u);
  for (const Binding& b : r.placed) EXPECT_EQ(b.flavor_name, "910b");
  absl::StatusOr<JobView> v = s_->GetJob("gang");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, JobState::kRunning);
  EXPECT_EQ(v->chosen_flavor[0], 1);
}

TEST_F(FlavorMinAvailableTest, WithoutItsOwnMinimumAFlavorNeedsAllItsReplicas) {
  Make(2);
  ASSERT_TRUE(s_->Submit(TwoSizedGang(0)).ok());  // 0 = the group's = all 4
  EXPECT_TRUE(s_->RunCycle().placed.empty());
  absl::StatusOr<JobView> v = s_->GetJob("gang");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, JobState::kPending);
}

TEST_F(FlavorMinAvailableTest, ExplainCountsTasksAgainstEachFlavorsOwnMinimum) {
  Make(1);  // one ascend task fits; the flavor needs 3
  ASSERT_TRUE(s_->Submit(TwoSizedGang(3)).ok());
  EXPECT_TRUE(s_->RunCycle().placed.empty());
  absl::StatusOr<Explanation> e = s_->Explain("gang");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->flavors.size(), 2u);
  for (const FlavorExplanation& f : e->flavors) {
    EXPECT_EQ(f.outcome, RejectReason::kGangIncomplete) << f.flavor_name;
    EXPECT_EQ(f.detail, f.flavor_name == "h100" ? "0/2 tasks placed" : "1/3 tasks placed")
        << f.flavor_name;
  }
}

TEST_F(FlavorMinAvailableTest, BadFlavorMinimumIsRejectedNamingTheField) {
  Make(1);
  absl::Status above = s_->Submit(TwoSizedGang(5));
  EXPECT_EQ(above.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(above.message(),
            "job.task_groups[0].flavors[1].min_available: 5 exceeds "
            "job.task_groups[0].flavors[1].replicas 4");
  absl::Status negative = s_->Submit(TwoSizedGang(-1));
  EXPECT_EQ(negative.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(negative.message(),
            "job.task_groups[0].flavors[1].min_available: must be >= 0 (0 = the group's), got -1");
}

TEST_F(FlavorMinAvailableTest, GroupMinimumOnlyBindsFlavorsWithoutTheirOwn) {
  Make(1);
  JobSpec job = TwoSizedGang(4);
  job.task_groups[0].min_available = 3;  // > the h100 flavor's 2 replicas
  absl::Status s = s_->Submit(job);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "job.task_groups[0].min_available: 3 exceeds job.task_groups[0].flavors[0].replicas 2");
  job.task_groups[0].min_available = 2;  // fits h100; 910b has its own 4
  EXPECT_TRUE(s_->Submit(job).ok());
}

}  // namespace
}  // namespace manychip
