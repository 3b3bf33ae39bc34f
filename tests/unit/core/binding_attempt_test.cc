// Bindings carry their attempt: the core counts each placement of a task,
// so an embedder can tell a re-placement from the placement it replaces,
// even when one cycle both stops and re-places the task.

#include <string>

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

class BindingAttemptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ClusterBuilder b(*catalog_);
    b.Node("n").Devices("nvidia-h20", 2).Repeat(2);
    auto s = testing::NewScheduler(catalog_, &clock_, DefaultProfile(), b.Build());
    ASSERT_TRUE(s.ok()) << s.status();
    s_ = std::move(s).value();
    ASSERT_TRUE(
        s_->Submit(
              JobBuilder(*catalog_, "j").Flavor("f", {"nvidia-h20"}).Cards(2).Replicas(1).Build())
            .ok());
  }

  std::shared_ptr<const Catalog> catalog_ = CoreCatalog();
  FakeClock clock_{absl::FromUnixSeconds(1000)};
  std::unique_ptr<Scheduler> s_;
};

TEST_F(BindingAttemptTest, FirstPlacementIsAttemptOne) {
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.placed[0].attempt, 1);
  absl::StatusOr<JobView> v = s_->GetJob("j");
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->bindings.size(), 1u);
  EXPECT_EQ(v->bindings[0].attempt, 1);
}

TEST_F(BindingAttemptTest, OneCycleStopsAndReplacesTheTaskAsTheNextAttempt) {
  CycleResult first = s_->RunCycle();
  ASSERT_EQ(first.placed.size(), 1u);
  // The task's card fails: the next cycle stops it and places it again on
  // the other node.
  ASSERT_TRUE(
      s_->SetDeviceHealth(first.placed[0].node, first.placed[0].devices[0], false, "xid").ok());
  CycleResult again = s_->RunCycle();
  ASSERT_EQ(again.to_stop.size(), 1u);
  EXPECT_EQ(again.to_stop[0], first.placed[0].task);
  ASSERT_EQ(again.placed.size(), 1u);
  EXPECT_EQ(again.placed[0].task, first.placed[0].task);
  EXPECT_NE(again.placed[0].node, first.placed[0].node);
  EXPECT_EQ(again.placed[0].attempt, 2);
}

TEST_F(BindingAttemptTest, RestoredBindingKeepsItsAttemptAndLaterOnesCountOn) {
  CycleResult first = s_->RunCycle();
  ASSERT_EQ(first.placed.size(), 1u);
  // A second scheduler (a restarted daemon) restores the binding as attempt 7.
  ClusterBuilder b(*catalog_);
  b.Node("n").Devices("nvidia-h20", 2).Repeat(2);
  auto restored = testing::NewScheduler(catalog_, &clock_, DefaultProfile(), b.Build());
  ASSERT_TRUE(restored.ok()) << restored.status();
  ASSERT_TRUE(
      (*restored)
          ->Submit(
              JobBuilder(*catalog_, "j").Flavor("f", {"nvidia-h20"}).Cards(2).Replicas(1).Build())
          .ok());
  Binding b7 = first.placed[0];
  b7.attempt = 7;
  ASSERT_TRUE((*restored)->RestoreBinding(b7).ok());
  absl::StatusOr<JobView> v = (*restored)->GetJob("j");
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->bindings.size(), 1u);
  EXPECT_EQ(v->bindings[0].attempt, 7);
  ASSERT_TRUE((*restored)->Evict("j", "drain").ok());
  CycleResult again = (*restored)->RunCycle();
  ASSERT_EQ(again.placed.size(), 1u);
  EXPECT_EQ(again.placed[0].attempt, 8);
}

}  // namespace
}  // namespace manychip
