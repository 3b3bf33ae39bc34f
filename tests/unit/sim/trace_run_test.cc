#include "manychip/sim/trace_run.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "manychip/sim/openb_runner.h"
#include "tests/unit/sim/sim_test_util.h"

namespace manychip::sim {
namespace {

// Two 1-GPU nodes; three whole-GPU jobs at t=0 lasting 100 s: two start at
// once, the third waits for the first completion.
TEST(TraceRunTest, QueueingJctAndMakespanOnAHandBuiltCluster) {
  auto catalog = testing::OpenbCatalog();
  auto nodes =
      ParseOpenbNodes("sn,cpu_milli,memory_mib,gpu,model\na,8000,8192,1,G2\nb,8000,8192,1,G2\n",
                      "n.csv", catalog.get());
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  auto pods = ParseOpenbPods(
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
      "deletion_time,scheduled_time\n"
      "j1,1000,1024,1,1000,,LS,Running,0,100,0\n"
      "j2,1000,1024,1,1000,,LS,Running,0,100,0\n"
      "j3,1000,1024,1,1000,,LS,Running,0,100,0\n",
      "p.csv", catalog.get());
  ASSERT_TRUE(pods.ok()) << pods.status();
  auto jobs = TraceJobsFromOpenbPods(*pods, *catalog);
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  TraceRunOptions o;
  o.catalog = catalog;
  for (const OpenbNode& n : *nodes) o.nodes.push_back(NodeSpecFromOpenb(n));
  o.profile = testing::Profile("best_fit");
  auto r = RunTrace(o, *jobs);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->jobs, 3);
  EXPECT_EQ(r->completed, 3);
  EXPECT_EQ(r->never_started, 0);
  EXPECT_EQ(r->makespan_seconds, 200);
  EXPECT_EQ(r->queueing_seconds.count, 3);
  EXPECT_NEAR(r->queueing_seconds.mean, 100.0 / 3, 1e-9);
  EXPECT_EQ(r->queueing_seconds.p50, 0);
  EXPECT_EQ(r->queueing_seconds.p99, 100);
  EXPECT_NEAR(r->jct_seconds.mean, 400.0 / 3, 1e-9);
  ASSERT_EQ(r->alloc_pct_by_model.count("G2"), 1u);
  // Deterministic: same input, same JSON.
  auto again = RunTrace(o, *jobs);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(TraceRunJson(*r, false), TraceRunJson(*again, false));
}

TEST(TraceRunTest, MissingCreationTimeNamesThePod) {
  auto catalog = testing::OpenbCatalog();
  auto pods = ParseOpenbPods(
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,creation_time\np9,1,1,0,0,,\n", "p.csv",
      catalog.get());
  ASSERT_TRUE(pods.ok());
  auto jobs = TraceJobsFromOpenbPods(*pods, *catalog);
  ASSERT_FALSE(jobs.ok());
  EXPECT_THAT(jobs.status().message(), ::testing::HasSubstr("pod 'p9' (line 2)"));
}

}  // namespace
}  // namespace manychip::sim
