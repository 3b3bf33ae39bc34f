// Replicas beyond min_available that did not fit are retried on a relevant
// event (capacity freed), with back-off, not in a busy loop and not never.

#include "gtest/gtest.h"
#include "manychip/core/scheduler.h"
#include "tests/testing/cluster_builder.h"
#include "tests/testing/job_builder.h"

namespace manychip {
namespace {

using testing::ClusterBuilder;
using testing::CoreCatalog;
using testing::JobBuilder;

class ReplicaRetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SchedulerOptions o;
    o.catalog = catalog_;
    o.clock = &clock_;
    auto s = Scheduler::Create(std::move(o));
    ASSERT_TRUE(s.ok()) << s.status();
    s_ = std::move(s).value();
    for (const NodeSpec& n :
         ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(4).Build()) {
      ASSERT_TRUE(s_->AddNode(n).ok());
    }
  }
  JobView View(const std::string& id) {
    absl::StatusOr<JobView> v = s_->GetJob(id);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *std::move(v) : JobView{};
  }

  std::shared_ptr<const Catalog> catalog_ = CoreCatalog();
  FakeClock clock_{absl::FromUnixSeconds(1000)};
  std::unique_ptr<Scheduler> s_;
};

TEST_F(ReplicaRetryTest, ExtraReplicaPlacedWhenCapacityFrees) {
  ASSERT_TRUE(
      s_->Submit(JobBuilder(*catalog_, "blocker").Flavor("h20", {"nvidia-h20"}).Cards(8).Build())
          .ok());
  ASSERT_EQ(s_->RunCycle().placed.size(), 1u);
  ASSERT_TRUE(s_->Submit(JobBuilder(*catalog_, "elastic")
                             .Flavor("h20", {"nvidia-h20"})
                             .Cards(8)
                             .Replicas(5)
                             .MinAvailable(2)
                             .Build())
                  .ok());
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 3u);
  EXPECT_EQ(View("elastic").state, JobState::kRunning);
  EXPECT_NE(View("elastic").last_reject.find("beyond min_available"), std::string::npos);

  // No event: later cycles place nothing and do no work for it.
  clock_.Advance(absl::Seconds(5));
  EXPECT_TRUE(s_->RunCycle().placed.empty());

  // The blocker ends: its node frees, the fourth replica lands there, the
  // fifth still has no room.
  ASSERT_TRUE(s_->ReportTaskExit(TaskRef{"blocker", 0, 0}, true).ok());
  clock_.Advance(absl::Seconds(5));
  r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.placed[0].task.job_id, "elastic");
  EXPECT_EQ(r.placed[0].task.task, 3);
  EXPECT_EQ(r.placed[0].devices.size(), 8u);
  EXPECT_EQ(View("elastic").bindings.size(), 4u);
  EXPECT_TRUE(s_->cluster().CheckConsistency().ok());

  // Another node is added: the last replica lands.
  for (const NodeSpec& n :
       ClusterBuilder(*catalog_).Node("late").Devices("nvidia-h20", 8).Build()) {
    ASSERT_TRUE(s_->AddNode(n).ok());
  }
  clock_.Advance(absl::Seconds(5));
  r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.placed[0].task.task, 4);
  EXPECT_EQ(r.placed[0].node, "late");
  EXPECT_TRUE(View("elastic").last_reject.empty()) << View("elastic").last_reject;
  EXPECT_TRUE(s_->cluster().CheckConsistency().ok());
}

TEST_F(ReplicaRetryTest, PendingJobsGoBeforeExtraReplicas) {
  ASSERT_TRUE(s_->Submit(JobBuilder(*catalog_, "elastic")
                             .Flavor("h20", {"nvidia-h20"})
                             .Cards(8)
                             .Replicas(6)
                             .MinAvailable(4)
                             .Build())
                  .ok());
  ASSERT_EQ(s_->RunCycle().placed.size(), 4u);
  ASSERT_TRUE(
      s_->Submit(JobBuilder(*catalog_, "next").Flavor("h20", {"nvidia-h20"}).Cards(8).Build())
          .ok());
  // One node frees: the pending job takes it, not the elastic job's extra.
  ASSERT_TRUE(s_->ReportTaskExit(TaskRef{"elastic", 0, 0}, true).ok());
  clock_.Advance(absl::Seconds(5));
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.placed[0].task.job_id, "next");
  // A finished replica is not placed again.
  ASSERT_TRUE(s_->ReportTaskExit(TaskRef{"next", 0, 0}, true).ok());
  clock_.Advance(absl::Seconds(5));
  r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.placed[0].task.task, 4);
  EXPECT_TRUE(s_->cluster().CheckConsistency().ok());
}

TEST_F(ReplicaRetryTest, NodeLossRequeuesTheWholeJobNotJustExtras) {
  ASSERT_TRUE(s_->Submit(JobBuilder(*catalog_, "elastic")
                             .Flavor("h20", {"nvidia-h20"})
                             .Cards(8)
                             .Replicas(6)
                             .MinAvailable(2)
                             .Build())
                  .ok());
  ASSERT_EQ(s_->RunCycle().placed.size(), 4u);
  ASSERT_TRUE(s_->SetNodeReady("n-0", false).ok());
  clock_.Advance(absl::Seconds(5));
  CycleResult r = s_->RunCycle();
  EXPECT_EQ(r.to_stop.size(), 4u);
  // Requeued whole and placed again on the 3 ready nodes.
  EXPECT_EQ(r.placed.size(), 3u);
  EXPECT_EQ(View("elastic").bindings.size(), 3u);
  EXPECT_TRUE(s_->cluster().CheckConsistency().ok());
}

}  // namespace
}  // namespace manychip
