// The summary a failed attempt leaves (JobView::last_reject) and the per-flavor
// explain agree: nodes the free-capacity index skipped are counted by their
// true reason (model, node state, taint...), not all as "insufficient cards".

#include <map>

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

TEST(ExplainConsistencyTest, SummaryAndExplainCountTheSameReasons) {
  std::shared_ptr<const Catalog> catalog = CoreCatalog();
  FakeClock clock(absl::FromUnixSeconds(1000));
  // 2 busy H20 nodes (filled below), 1 free but cordoned, 1 free but
  // tainted, 3 Ascend nodes and 1 CPU node: none takes an 8-card H20 task,
  // and the index holds only the free H20 ones.
  const std::vector<NodeSpec> nodes = ClusterBuilder(*catalog)
                                          .Node("busy")
                                          .Devices("nvidia-h20", 8)
                                          .Repeat(2)
                                          .Node("cordoned")
                                          .Devices("nvidia-h20", 8)
                                          .Node("tainted")
                                          .Devices("nvidia-h20", 8)
                                          .Taint("dedicated", "infer")
                                          .Node("asc")
                                          .Arch(Arch::kAarch64)
                                          .Devices("ascend-910b", 8)
                                          .Repeat(3)
                                          .Node("cpu")
                                          .Build();
  auto created = testing::NewScheduler(catalog, &clock, DefaultProfile(), nodes);
  ASSERT_TRUE(created.ok()) << created.status();
  std::unique_ptr<Scheduler> s = std::move(created).value();
  ASSERT_TRUE(s->SetNodeSchedulable("cordoned", false).ok());
  for (const char* id : {"fill-0", "fill-1"}) {
    ASSERT_TRUE(
        s->Submit(JobBuilder(*catalog, id).Flavor("f", {"nvidia-h20"}).Cards(6).Build()).ok());
  }
  ASSERT_EQ(s->RunCycle().placed.size(), 2u);
  ASSERT_TRUE(
      s->Submit(JobBuilder(*catalog, "j").Flavor("h20", {"nvidia-h20"}).Cards(8).Build()).ok());
  EXPECT_TRUE(s->RunCycle().placed.empty());

  absl::StatusOr<Explanation> e = s->Explain("j");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->flavors.size(), 1u);
  const FlavorExplanation& f = e->flavors[0];
  EXPECT_EQ(f.nodes_total, 8);
  EXPECT_EQ(f.nodes_feasible, 0);
  std::map<RejectReason, int32_t> counts(f.reasons.begin(), f.reasons.end());
  EXPECT_EQ(counts[RejectReason::kModelNotAccepted], 4);
  EXPECT_EQ(counts[RejectReason::kInsufficientDevices], 2);
  EXPECT_EQ(counts[RejectReason::kNodeUnschedulable], 1);
  EXPECT_EQ(counts[RejectReason::kTaint], 1);
  EXPECT_FALSE(f.by_plugin.contains("capacity_index"));

  // The cycle's summary carries the very same counts.
  absl::StatusOr<JobView> v = s->GetJob("j");
  ASSERT_TRUE(v.ok());
  EXPECT_NE(v->last_reject.find(FormatReasonCounts(f)), std::string::npos)
      << "summary: " << v->last_reject << "\nexplain: " << FormatReasonCounts(f);

  // The recount describes the last attempt: it is made once, at the first
  // read, and kept until the next attempt (views are read for every pending
  // job each second, a recount scans every node). A cordon in between shows
  // in a fresh Explain, not in the summary.
  ASSERT_TRUE(s->SetNodeSchedulable("busy-0", false).ok());
  absl::StatusOr<JobView> again = s->GetJob("j");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->last_reject, v->last_reject);
  absl::StatusOr<Explanation> fresh = s->Explain("j");
  ASSERT_TRUE(fresh.ok());
  std::map<RejectReason, int32_t> now(fresh->flavors[0].reasons.begin(),
                                      fresh->flavors[0].reasons.end());
  EXPECT_EQ(now[RejectReason::kNodeUnschedulable], 2);
  EXPECT_EQ(now[RejectReason::kInsufficientDevices], 1);
}

}  // namespace
}  // namespace manychip
