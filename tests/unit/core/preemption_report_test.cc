// Preemption names both sides: the victim's status names the job (tenant,
// priority) that preempted it; the preemptor's explain lists its victims.

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

TEST(PreemptionReportTest, VictimAndPreemptorNameEachOther) {
  std::shared_ptr<const Catalog> catalog = CoreCatalog();
  FakeClock clock(absl::FromUnixSeconds(1000));
  auto created =
      testing::NewScheduler(catalog, &clock, DefaultProfile(),
                            ClusterBuilder(*catalog).Node("n").Devices("nvidia-h20", 8).Build());
  ASSERT_TRUE(created.ok()) << created.status();
  std::unique_ptr<Scheduler> s = std::move(created).value();
  for (const char* id : {"low-1", "low-2"}) {
    ASSERT_TRUE(s->Submit(JobBuilder(*catalog, id)
                              .Tenant("batch")
                              .Priority(1)
                              .Preemptible()
                              .Flavor("f", {"nvidia-h20"})
                              .Cards(4)
                              .Build())
                    .ok());
  }
  ASSERT_EQ(s->RunCycle().placed.size(), 2u);
  ASSERT_TRUE(s->Submit(JobBuilder(*catalog, "urgent")
                            .Tenant("prod")
                            .Priority(9)
                            .Flavor("f", {"nvidia-h20"})
                            .Cards(8)
                            .Build())
                  .ok());
  CycleResult r = s->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  ASSERT_EQ(r.to_stop.size(), 2u);
  // The cycle result carries the decision as data, both sides.
  ASSERT_EQ(r.preemptions.size(), 1u);
  const Preemption& p = r.preemptions[0];
  EXPECT_EQ(p.preemptor.job_id, "urgent");
  EXPECT_EQ(p.preemptor.tenant, "prod");
  EXPECT_EQ(p.preemptor.priority, 9);
  ASSERT_EQ(p.victims.size(), 2u);
  EXPECT_EQ(p.victims[0].job_id, "low-1");
  EXPECT_EQ(p.victims[1].job_id, "low-2");
  EXPECT_EQ(p.victims[0].tenant, "batch");
  EXPECT_EQ(p.victims[0].priority, 1);
  EXPECT_FALSE(p.victims[0].gang_hold);
  for (const char* id : {"low-1", "low-2"}) {
    absl::StatusOr<JobView> v = s->GetJob(id);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->state, JobState::kPending);
    EXPECT_EQ(v->last_reject, "preempted by job urgent (tenant prod, priority 9)");
  }
  absl::StatusOr<Explanation> e = s->Explain("urgent");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->summary,
            "placed; preempted low-1 (tenant batch, priority 1), low-2 (tenant batch, priority 1)");
  // Reported once: the next cycle has no preemption to report.
  EXPECT_TRUE(s->RunCycle().preemptions.empty());
}

}  // namespace
}  // namespace manychip
