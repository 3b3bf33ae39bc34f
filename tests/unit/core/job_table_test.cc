#include "src/core/job_table.h"

#include "gtest/gtest.h"
#include "tests/testing/cluster_builder.h"
#include "tests/testing/job_builder.h"

namespace manychip::internal {
namespace {

TEST(JobTableTest, IndexesFollowStateAndQueueChanges) {
  auto catalog = testing::CoreCatalog();
  JobTable jobs;
  JobSpec spec = testing::JobBuilder(*catalog, "j").Flavor("f", {}).Replicas(2).Build();
  absl::StatusOr<JobRecord*> j = jobs.Add(spec, absl::UnixEpoch());
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(jobs.Add(spec, absl::UnixEpoch()).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(jobs.Find("j"), *j);
  EXPECT_EQ(jobs.pending().size(), 1u);
  EXPECT_EQ((*j)->sequence, 1);

  jobs.Dequeue(**j);
  jobs.SetState(**j, JobState::kRunning);
  (*j)->allocs[0] = {7, 0};
  (*j)->finished[0] = {false, false};
  jobs.TrackIncomplete(**j);
  EXPECT_TRUE(jobs.pending().empty());
  EXPECT_EQ(jobs.running().size(), 1u);
  EXPECT_TRUE(jobs.IsIncomplete(**j));

  // Leaving RUNNING leaves both running indexes; the queue is separate.
  jobs.SetState(**j, JobState::kPending);
  EXPECT_TRUE(jobs.running().empty());
  EXPECT_FALSE(jobs.IsIncomplete(**j));
  EXPECT_TRUE(jobs.pending().empty());
  jobs.Enqueue(**j);
  EXPECT_EQ(jobs.pending().size(), 1u);
  EXPECT_EQ(jobs.all().size(), 1u);
}

TEST(JobTableTest, PlacementsCountPerTaskAndRestoreSetsTheNumber) {
  auto catalog = testing::CoreCatalog();
  JobTable jobs;
  JobRecord* j =
      *jobs.Add(testing::JobBuilder(*catalog, "j").Flavor("f", {}).Build(), absl::UnixEpoch());
  EXPECT_EQ(Placements(*j, 0, 3), 0);
  CountPlacement(*j, 0, 3);
  CountPlacement(*j, 0, 3);
  EXPECT_EQ(Placements(*j, 0, 3), 2);
  EXPECT_EQ(Placements(*j, 0, 0), 0);
  CountPlacement(*j, 0, 0, /*attempt=*/9);
  EXPECT_EQ(Placements(*j, 0, 0), 9);
}

}  // namespace
}  // namespace manychip::internal
