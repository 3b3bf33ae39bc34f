// Gang reservations held across cycles (Permit kWait with a timeout): what
// fits is reserved and held, the rest lands in later cycles, and on timeout,
// cancel, node loss or preemption every held device is released.

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

class GangHoldTest : public ::testing::Test {
 protected:
  void Make(int64_t timeout_seconds) {
    auto s = testing::NewScheduler(catalog_, &clock_,
                                   testing::WithGangTimeout(DefaultProfile(), timeout_seconds));
    ASSERT_TRUE(s.ok()) << s.status();
    s_ = std::move(s).value();
    for (const NodeSpec& n :
         ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(3).Build()) {
      ASSERT_TRUE(s_->AddNode(n).ok());
    }
  }
  JobView View(const std::string& id) {
    absl::StatusOr<JobView> v = s_->GetJob(id);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *std::move(v) : JobView{};
  }
  void SubmitWhole(const std::string& id, int32_t priority = 0, bool preemptible = false) {
    ASSERT_TRUE(s_->Submit(JobBuilder(*catalog_, id)
                               .Priority(priority)
                               .Preemptible(preemptible)
                               .Flavor("h20", {"nvidia-h20"})
                               .Cards(8)
                               .Build())
                    .ok());
  }
  // A 3 x 8-card gang; one of the 3 nodes is taken by "blocker" first, so
  // the gang can reserve 2 tasks now.
  void BlockOneNodeThenSubmitGang(bool preemptible = false) {
    SubmitWhole("blocker");
    ASSERT_EQ(s_->RunCycle().placed.size(), 1u);
    ASSERT_TRUE(s_->Submit(JobBuilder(*catalog_, "gang")
                               .Preemptible(preemptible)
                               .Flavor("h20", {"nvidia-h20"})
                               .Cards(8)
                               .Replicas(3)
                               .Build())
                    .ok());
  }
  // Allocations that are assumed but not bound (held).
  size_t Unbound() const { return testing::UnboundAllocations(s_->cluster()); }

  std::shared_ptr<const Catalog> catalog_ = CoreCatalog();
  FakeClock clock_{absl::FromUnixSeconds(1000)};
  std::unique_ptr<Scheduler> s_;
};

TEST_F(GangHoldTest, GangCompletesAcrossCyclesWhenCapacityFrees) {
  Make(60);
  BlockOneNodeThenSubmitGang();
  CycleResult r = s_->RunCycle();
  EXPECT_TRUE(r.placed.empty());
  EXPECT_EQ(View("gang").state, JobState::kPending);
  EXPECT_TRUE(View("gang").bindings.empty());  // held, not bound
  EXPECT_EQ(Unbound(), 2u);
  EXPECT_NE(View("gang").last_reject.find("gang waiting: 2/3 tasks reserved"), std::string::npos)
      << View("gang").last_reject;
  EXPECT_TRUE(s_->cluster().CheckConsistency().ok());

  // Held capacity is not open to later work.
  SubmitWhole("later");
  clock_.Advance(absl::Seconds(2));
  EXPECT_TRUE(s_->RunCycle().placed.empty());
  EXPECT_EQ(Unbound(), 2u);

  // The blocker ends: the gang takes the freed node and binds whole, ahead
  // of "later" (FIFO).
  ASSERT_TRUE(s_->ReportTaskExit(TaskRef{"blocker", 0, 0}, true).ok());
  clock_.Advance(absl::Seconds(2));
  r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 3u);
  for (const Binding& b : r.placed) EXPECT_EQ(b.task.job_id, "gang");
  EXPECT_EQ(View("gang").state, JobState::kRunning);
  EXPECT_EQ(View("gang").bindings.size(), 3u);
  EXPECT_EQ(View("later").state, JobState::kPending);
  EXPECT_EQ(Unbound(), 0u);
  EXPECT_TRUE(s_->cluster().CheckConsistency().ok());
}

TEST_F(GangHoldTest, TimeoutReleasesEveryReservedDevice) {
  Make(60);
  BlockOneNodeThenSubmitGang();
  ASSERT_TRUE(s_->RunCycle().placed.empty());
  ASSERT_EQ(s_->cluster().allocation_count(), 3u);  // blocker + 2 held
  SubmitWhole("later");
  clock_.Advance(absl::Seconds(30));
  EXPECT_TRUE(s_->RunCycle().placed.empty());
  EXPECT_EQ(Unbound(), 2u);
  // Past the timeout: the hold goes at the start of the cycle, and the
  // freed cards serve "later" in that same cycle.
  clock_.Advance(absl::Seconds(31));
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.placed[0].task.job_id, "later");
  EXPECT_TRUE(r.to_stop.empty());  // held tasks never ran
  EXPECT_EQ(Unbound(), 0u);
  EXPECT_EQ(s_->cluster().allocation_count(), 2u);
  EXPECT_EQ(View("gang").state, JobState::kPending);
  EXPECT_NE(View("gang").last_reject.find("timed out"), std::string::npos)
      << View("gang").last_reject;
  EXPECT_TRUE(s_->cluster().CheckConsistency().ok());
}

TEST_F(GangHoldTest, WithoutTimeoutNothingIsHeld) {
  Make(0);
  BlockOneNodeThenSubmitGang();
  EXPECT_TRUE(s_->RunCycle().placed.empty());
  EXPECT_EQ(Unbound(), 0u);
  EXPECT_EQ(s_->cluster().allocation_count(), 1u);
}

TEST_F(GangHoldTest, CancelAndNodeLossReleaseTheHold) {
  Make(60);
  BlockOneNodeThenSubmitGang();
  ASSERT_TRUE(s_->RunCycle().placed.empty());
  ASSERT_EQ(Unbound(), 2u);
  // Node loss under a held task: the whole hold goes, nothing to stop.
  std::string held_node;
  const ClusterState& c = s_->cluster();
  for (NodeIndex i = 0; i < c.node_count() && held_node.empty(); ++i) {
    for (AllocationId id : c.AllocationsOnNode(i)) {
      if (!c.FindAllocation(id)->bound) held_node = c.spec(i).name;
    }
  }
  ASSERT_FALSE(held_node.empty());
  ASSERT_TRUE(s_->SetNodeReady(held_node, false).ok());
  EXPECT_EQ(Unbound(), 0u);
  clock_.Advance(absl::Seconds(2));
  CycleResult r = s_->RunCycle();
  EXPECT_TRUE(r.to_stop.empty());
  // The gang retried and holds the one node left.
  EXPECT_EQ(Unbound(), 1u);
  ASSERT_TRUE(s_->Cancel("gang").ok());
  EXPECT_EQ(Unbound(), 0u);
  EXPECT_EQ(s_->cluster().allocation_count(), 1u);
  EXPECT_EQ(View("gang").state, JobState::kCancelled);
  EXPECT_TRUE(s_->cluster().CheckConsistency().ok());
}

TEST_F(GangHoldTest, HigherPriorityPreemptsTheWholeHold) {
  Make(60);
  BlockOneNodeThenSubmitGang(/*preemptible=*/true);
  ASSERT_TRUE(s_->RunCycle().placed.empty());
  ASSERT_EQ(Unbound(), 2u);
  SubmitWhole("urgent", /*priority=*/10);
  clock_.Advance(absl::Seconds(2));
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.placed[0].task.job_id, "urgent");
  EXPECT_TRUE(r.to_stop.empty());  // a hold was never launched
  // The gang's hold went whole; the gang may hold again what is left (one
  // node), never half of its old hold.
  EXPECT_LE(Unbound(), 1u);
  EXPECT_EQ(View("gang").state, JobState::kPending);
  EXPECT_TRUE(s_->cluster().CheckConsistency().ok());
}

TEST_F(GangHoldTest, NonPreemptibleHoldIsNotPreempted) {
  Make(60);
  BlockOneNodeThenSubmitGang(/*preemptible=*/false);
  ASSERT_TRUE(s_->RunCycle().placed.empty());
  SubmitWhole("urgent", /*priority=*/10);
  clock_.Advance(absl::Seconds(2));
  EXPECT_TRUE(s_->RunCycle().placed.empty());
  EXPECT_EQ(Unbound(), 2u);
  EXPECT_TRUE(s_->cluster().CheckConsistency().ok());
}

}  // namespace
}  // namespace manychip
