// The time-based replay on hand-built clusters: run times from work and the
// placement's throughput, straggler gangs, inference SLO attainment from
// latency and capacity, failover of node and device faults with progress
// kept, preemption accounting, and the workload file's error messages.

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "manychip/sim/run_report.h"
#include "manychip/sim/trace_run.h"
#include "tests/sim/run_test_util.h"
#include "tests/testing/cluster_builder.h"

namespace manychip::sim {
namespace {

using ::testing::HasSubstr;
using testing::JobArgs;
using testing::ServiceArgs;

constexpr char kH100[] = "nvidia-h100";
constexpr char kH20[] = "nvidia-h20";
constexpr char kPpu[] = "ppu-zw810e";

class RunModeTest : public ::testing::Test {
 protected:
  absl::StatusOr<TraceRunResult> Run(const std::string& workload_json, std::vector<NodeSpec> nodes,
                                     ProfileSpec profile = testing::AwareProfile()) {
    auto w = testing::ParseWorkload(workload_json, *catalog_);
    if (!w.ok()) return w.status();
    TraceRunOptions o;
    o.catalog = catalog_;
    o.nodes = std::move(nodes);
    o.profile = std::move(profile);
    o.faults = w->faults;
    return RunTrace(o, w->jobs);
  }

  std::shared_ptr<const Catalog> catalog_ = manychip::testing::CoreCatalog();
};

TEST_F(RunModeTest, RunTimeFollowsThroughputOfThePlacement) {
  // Work 6682 reference-card seconds: 1000 s on an H100 (factor 6682),
  // ceil(6682000 / 811) = 8240 s on a PPU (811). The aware profile puts the
  // first job on the H100; the second gets the PPU.
  auto nodes = manychip::testing::ClusterBuilder(*catalog_)
                   .Node("ppu")
                   .Devices(kPpu, 1)
                   .Node("h100")
                   .Devices(kH100, 1)
                   .Build();
  auto r = Run(testing::WorkloadJson(
                   {testing::TrainJob({.id = "a", .models = {kH100, kPpu}, .work = 6682}),
                    testing::TrainJob({.id = "b", .models = {kH100, kPpu}, .work = 6682})}),
               nodes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->completed, 2);
  EXPECT_EQ(r->jct_seconds.p50, 1000);
  EXPECT_EQ(r->jct_seconds.p99, 8240);
  EXPECT_EQ(r->makespan_seconds, 8240);
  EXPECT_EQ(r->by_vendor.at("nvidia").work_done, 6682);
  EXPECT_EQ(r->by_vendor.at("ppu").work_done, 6682);
  EXPECT_EQ(r->preemptions, 0);
}

TEST_F(RunModeTest, GangRunsAtItsStragglersPace) {
  // Two 1-card tasks, one on an H100 and one on a PPU: 2 x 811 milli.
  auto nodes = manychip::testing::ClusterBuilder(*catalog_)
                   .Node("ppu")
                   .Devices(kPpu, 1)
                   .Node("h100")
                   .Devices(kH100, 1)
                   .Build();
  auto r = Run(testing::WorkloadJson({testing::TrainJob(
                   {.id = "g", .models = {kH100, kPpu}, .replicas = 2, .work = 2000})}),
               nodes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->jct_seconds.mean, 1234);  // ceil(2000000 / 1622)
  // Efficiency 1622 / (6682 + 811): most of the H100 idles. (Sample 0 is
  // taken before the first arrival.)
  ASSERT_GE(r->util_pct_by_vendor.at("nvidia").size(), 2u);
  EXPECT_LT(r->util_pct_by_vendor.at("nvidia")[1], 25.0);
  EXPECT_EQ(r->alloc_pct_by_vendor.at("nvidia")[1], 100.0);
}

TEST_F(RunModeTest, FixedDurationJobsIgnoreThroughput) {
  auto nodes = manychip::testing::ClusterBuilder(*catalog_).Node("p").Devices(kPpu, 1).Build();
  auto r = Run(
      testing::WorkloadJson({testing::TrainJob({.id = "f", .models = {kPpu}, .duration = 300})}),
      nodes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->jct_seconds.mean, 300);
}

TEST_F(RunModeTest, CpuOnlyJobsRunForTheirDuration) {
  auto nodes = manychip::testing::ClusterBuilder(*catalog_).Node("c").Build();
  auto r = Run(testing::WorkloadJson(
                   {"{\"submit_seconds\":0,\"job\":{\"id\":\"c\",\"tenant\":\"t\",\"kind\":"
                    "\"BATCH\",\"duration_seconds\":700,\"task_groups\":[{\"name\":\"g\","
                    "\"replicas\":1,\"demand\":{\"cpu_milli\":1000,\"memory_mib\":1}}]}}"}),
               nodes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->completed, 1);
  EXPECT_EQ(r->jct_seconds.mean, 700);
}

TEST_F(RunModeTest, SloAttainmentFromLatencyAndCapacity) {
  // Reference latency 80 ms: 80 on an H20 (inference factor 1000) meets a
  // 100 ms SLO; 80000 / 675 = 118 ms on a PPU does not.
  auto nodes = manychip::testing::ClusterBuilder(*catalog_)
                   .Node("ppu")
                   .Devices(kPpu, 1)
                   .Node("h20")
                   .Devices(kH20, 1)
                   .Build();
  auto r = Run(testing::WorkloadJson({testing::Service({.id = "slow", .models = {kPpu}}),
                                      testing::Service({.id = "fast", .models = {kH20}})}),
               nodes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->services, 2);
  EXPECT_EQ(r->services_meeting_slo, 1);
  EXPECT_EQ(r->requests_offered_milli, 2 * 5000 * 1000);
  EXPECT_EQ(r->requests_within_slo_milli, 5000 * 1000);
  EXPECT_DOUBLE_EQ(r->slo_attainment_pct, 50.0);
  EXPECT_EQ(r->jct_seconds.count, 0);  // services have no JCT
}

TEST_F(RunModeTest, OverloadAndWaitingMissTheSlo) {
  // Offered 20 req/s on a card that sustains 10: half within the SLO. A
  // second service waits 500 s of its 1000 s for the card: half again.
  auto nodes = manychip::testing::ClusterBuilder(*catalog_).Node("h20").Devices(kH20, 1).Build();
  auto r = Run(
      testing::WorkloadJson(
          {testing::Service({.id = "over", .models = {kH20}, .lifetime = 500, .rate_milli = 20000}),
           testing::Service({.id = "late", .models = {kH20}, .lifetime = 1000})}),
      nodes);
  ASSERT_TRUE(r.ok()) << r.status();
  // over: 20000 x 500 offered, 10000 x 500 served; late: 5000 x 1000
  // offered, 5000 x 500 served.
  EXPECT_EQ(r->requests_offered_milli, 20000 * 500 + 5000 * 1000);
  EXPECT_EQ(r->requests_within_slo_milli, 10000 * 500 + 5000 * 500);
  EXPECT_EQ(r->queueing_seconds.p99, 500);
}

TEST_F(RunModeTest, NodeFailureFailsOverAndKeepsProgress) {
  // 1000 s of work; the node fails at 400 and returns at 700; the job
  // resumes with 600 s left and ends at 1300.
  auto nodes = manychip::testing::ClusterBuilder(*catalog_).Node("a").Devices(kH20, 1).Build();
  auto r =
      Run(testing::WorkloadJson({testing::TrainJob({.id = "j", .models = {kH20}, .work = 1000})},
                                "{\"at_seconds\":400,\"node\":\"a\",\"recover_at_seconds\":700}"),
          nodes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->faults, 1);
  EXPECT_EQ(r->failovers, 1);
  EXPECT_EQ(r->preemptions, 0);
  EXPECT_EQ(r->jct_seconds.mean, 1300);
  EXPECT_EQ(r->queueing_seconds.mean, 0);
}

TEST_F(RunModeTest, DeviceFailureFailsOverOnlyTheGangOnIt) {
  // Two 1-card jobs on a 2-card node; both devices fail at 400 (one of
  // them held by each job) and recover at 700.
  auto nodes = manychip::testing::ClusterBuilder(*catalog_).Node("a").Devices(kH20, 2).Build();
  auto r = Run(testing::WorkloadJson(
                   {testing::TrainJob({.id = "j1", .models = {kH20}, .work = 1000}),
                    testing::TrainJob({.id = "j2", .models = {kH20}, .work = 300})},
                   "{\"at_seconds\":400,\"node\":\"a\",\"device\":0,\"recover_at_seconds\":700},"
                   "{\"at_seconds\":400,\"node\":\"a\",\"device\":1,\"recover_at_seconds\":700}"),
               nodes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->faults, 2);
  EXPECT_EQ(r->failovers, 1);  // j2 had finished at 300
  EXPECT_EQ(r->jct_seconds.p99, 1300);
  EXPECT_EQ(r->jct_seconds.p50, 300);
}

TEST_F(RunModeTest, PreemptionIsCountedAndTheVictimResumes) {
  auto nodes = manychip::testing::ClusterBuilder(*catalog_).Node("a").Devices(kH20, 1).Build();
  auto profile = testing::ProfileWith({"{\"name\":\"preemption\"}", "{\"name\":\"binpack\"}"});
  auto r = Run(
      testing::WorkloadJson(
          {testing::TrainJob({.id = "low", .models = {kH20}, .work = 1000, .preemptible = true}),
           testing::TrainJob(
               {.id = "high", .submit = 100, .models = {kH20}, .work = 100, .priority = 100})}),
      nodes, profile);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->preemptions, 1);
  EXPECT_EQ(r->failovers, 0);
  EXPECT_EQ(r->completed, 2);
  // low: 100 s done, preempted for 100 s, 900 s left: ends at 1100.
  EXPECT_EQ(r->makespan_seconds, 1100);
}

TEST_F(RunModeTest, JobThatNeverFitsEndsTheReplay) {
  auto nodes = manychip::testing::ClusterBuilder(*catalog_).Node("a").Devices(kH20, 1).Build();
  auto r = Run(testing::WorkloadJson(
                   {testing::TrainJob({.id = "big", .models = {kH20}, .cards = 2, .work = 10})}),
               nodes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->never_started, 1);
  EXPECT_EQ(r->completed, 0);
}

TEST_F(RunModeTest, SameInputSameJson) {
  auto nodes = manychip::testing::ClusterBuilder(*catalog_)
                   .Node("p")
                   .Devices(kPpu, 2)
                   .Repeat(3)
                   .Node("h")
                   .Devices(kH100, 2)
                   .Repeat(2)
                   .Build();
  std::vector<std::string> jobs;
  for (int i = 0; i < 40; ++i) {
    jobs.push_back(testing::TrainJob({.id = absl::StrCat("j", i),
                                      .submit = i * 37 % 500,
                                      .models = {kH100, kPpu},
                                      .replicas = 1 + i % 2,
                                      .work = 500 + i * 91 % 3000}));
  }
  const std::string w = testing::WorkloadJson(jobs, "{\"at_seconds\":900,\"node\":\"p-1\"}");
  auto a = Run(w, nodes);
  auto b = Run(w, nodes);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(TraceRunJson(*a, false), TraceRunJson(*b, false));
  EXPECT_EQ(a->completed + a->never_started, 40);
}

TEST_F(RunModeTest, ReportWritesHtmlAndEveryCsv) {
  auto nodes = manychip::testing::ClusterBuilder(*catalog_)
                   .Node("ppu")
                   .Devices(kPpu, 1)
                   .Node("h100")
                   .Devices(kH100, 1)
                   .Build();
  const std::string w =
      testing::WorkloadJson({testing::TrainJob({.id = "a", .models = {kH100, kPpu}, .work = 6682}),
                             testing::Service({.id = "s", .models = {kH100, kPpu}})});
  auto aware = Run(w, nodes);
  auto blind = Run(w, nodes, testing::ProfileWith({"{\"name\":\"binpack\"}"}));
  ASSERT_TRUE(aware.ok() && blind.ok());
  const std::string dir = ::testing::TempDir() + "/run_report";
  ASSERT_TRUE(WriteRunReport(dir, {{"aware", *aware}, {"blind/x", *blind}}).ok());
  for (const char* f : {"index.html", "summary.csv", "vendors.csv", "aware_allocation_by_model.csv",
                        "aware_allocation_by_vendor.csv", "aware_utilization_by_vendor.csv",
                        "blind_x_utilization_by_vendor.csv"}) {
    auto text = codec::ReadFile(dir + "/" + f);
    ASSERT_TRUE(text.ok()) << f;
    EXPECT_FALSE(text->empty()) << f;
  }
  auto html = codec::ReadFile(dir + "/index.html");
  ASSERT_TRUE(html.ok());
  EXPECT_THAT(*html, HasSubstr("<svg"));
  EXPECT_THAT(*html, HasSubstr("Utilization over time per vendor: aware"));
  EXPECT_THAT(*html, ::testing::Not(HasSubstr("<script")));
  auto summary = codec::ReadFile(dir + "/summary.csv");
  ASSERT_TRUE(summary.ok());
  EXPECT_THAT(*summary, HasSubstr("\naware,2,2,1,0,"));
  auto vendors = codec::ReadFile(dir + "/vendors.csv");
  ASSERT_TRUE(vendors.ok());
  EXPECT_THAT(*vendors, HasSubstr("aware,nvidia,1,"));
  EXPECT_THAT(TraceRunJson(*aware), HasSubstr("\"slo_attainment_pct\":"));
  const std::string both = RunsJson({{"a\"b", *aware}, {"blind", *blind}});
  EXPECT_THAT(both, HasSubstr("{\"runs\":[{\"profile\":\"a\\\"b\",\"result\":{\"jobs\":2,"));
  EXPECT_THAT(both, HasSubstr("},{\"profile\":\"blind\",\"result\":{"));
}

// ---- the workload file's errors ----------------------------------------------

TEST_F(RunModeTest, BadWorkloadsNameTheField) {
  struct Case {
    std::string json;
    std::string message;
  };
  const std::string ok = testing::TrainJob({.id = "j", .models = {kH20}, .work = 5});
  const std::vector<Case> cases = {
      {testing::WorkloadJson({testing::TrainJob({.id = "j", .models = {kH20}, .work = -5})}),
       "jobs[0].work: must be >= 0, got -5"},
      {testing::WorkloadJson({ok, ok}), "jobs[1].job.id: duplicate id \"j\""},
      {testing::WorkloadJson({testing::TrainJob({.id = "", .models = {kH20}, .work = 5})}),
       "jobs[0].job.id: required"},
      {testing::WorkloadJson({testing::TrainJob({.id = "j", .models = {"no-such"}, .work = 5})}),
       "jobs[0].job.task_groups[0]"},
      {"{\"jobs\":[{\"submit_seconds\":0,\"job\":{\"id\":\"s\",\"tenant\":\"t\",\"kind\":"
       "\"INFERENCE\",\"task_groups\":[{\"name\":\"g\",\"replicas\":1,\"device_models\":"
       "[\"nvidia-h20\"],\"demand\":{\"milli_devices\":1000,\"cpu_milli\":1,\"memory_mib\":1}}]}}]"
       "}",
       "jobs[0].inference_load: required for INFERENCE jobs"},
      {testing::WorkloadJson({ok}, "{\"at_seconds\":10,\"node\":\"a\",\"recover_at_seconds\":5}"),
       "faults[0].recover_at_seconds: must be after at_seconds"},
      {testing::WorkloadJson({ok}, "{\"at_seconds\":10,\"node\":\"a\",\"device\":-1}"),
       "faults[0].device: must be >= 0, got -1"},
      {"{\"jobs\":[{\"submit_second\":0}]}", "submit_second"},
      // A CPU-only flavor has no normalized throughput to run work at.
      {"{\"jobs\":[{\"submit_seconds\":0,\"work\":5,\"job\":{\"id\":\"c\",\"tenant\":\"t\","
       "\"kind\":\"BATCH\",\"task_groups\":[{\"name\":\"g\",\"replicas\":1,\"demand\":"
       "{\"cpu_milli\":1000,\"memory_mib\":1}}]}}]}",
       "jobs[0].job.task_groups[0].flavors[0]: a CPU-only flavor has no normalized throughput"},
  };
  for (const Case& c : cases) {
    auto w = testing::ParseWorkload(c.json, *catalog_);
    ASSERT_FALSE(w.ok()) << c.json;
    EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(w.status().message(), HasSubstr(c.message));
  }
}

TEST_F(RunModeTest, FaultOnAnUnknownNodeIsAnError) {
  auto nodes = manychip::testing::ClusterBuilder(*catalog_).Node("a").Devices(kH20, 1).Build();
  auto r = Run(testing::WorkloadJson({testing::TrainJob({.id = "j", .models = {kH20}, .work = 5})},
                                     "{\"at_seconds\":1,\"node\":\"zz\"}"),
               nodes);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("faults[0].node: no node named \"zz\""));
  auto d = Run(testing::WorkloadJson({testing::TrainJob({.id = "j", .models = {kH20}, .work = 5})},
                                     "{\"at_seconds\":1,\"node\":\"a\",\"device\":3}"),
               nodes);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("faults[0].device: node \"a\" has no device 3"));
}

}  // namespace
}  // namespace manychip::sim
