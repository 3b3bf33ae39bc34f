#include "manychip/core/scheduler.h"

#include "gtest/gtest.h"
#include "tests/testing/cluster_builder.h"
#include "tests/testing/job_builder.h"

namespace manychip {
namespace {

using testing::ClusterBuilder;
using testing::CoreCatalog;
using testing::JobBuilder;

class SchedulerTest : public ::testing::Test {
 protected:
  void Make(ProfileSpec profile = DefaultProfile(), uint64_t seed = 42) {
    SchedulerOptions o;
    o.catalog = catalog_;
    o.clock = &clock_;
    o.profile = std::move(profile);
    o.seed = seed;
    auto s = Scheduler::Create(std::move(o));
    ASSERT_TRUE(s.ok()) << s.status();
    s_ = std::move(s).value();
  }
  void Add(const std::vector<NodeSpec>& nodes) {
    for (const NodeSpec& n : nodes) ASSERT_TRUE(s_->AddNode(n).ok()) << n.name;
  }
  JobBuilder Job(std::string id) { return JobBuilder(*catalog_, std::move(id)); }
  JobView View(const std::string& id) {
    absl::StatusOr<JobView> v = s_->GetJob(id);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *std::move(v) : JobView{};
  }
  JobState State(const std::string& id) { return View(id).state; }
  std::set<std::string> NodesOf(const std::string& id) {
    std::set<std::string> out;
    JobView v = View(id);
    for (const Binding& b : v.bindings) out.insert(b.node);
    return out;
  }
  void Consistent() { ASSERT_TRUE(s_->cluster().CheckConsistency().ok()); }

  std::shared_ptr<const Catalog> catalog_ = CoreCatalog();
  FakeClock clock_{absl::FromUnixSeconds(1000)};
  std::unique_ptr<Scheduler> s_;
};

TEST_F(SchedulerTest, PlacesSingleCardJobWithDevices) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(2).Build());
  ASSERT_TRUE(s_->Submit(Job("j").Flavor("h20", {"nvidia-h20"}).Cards(1).Build()).ok());
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.placed[0].devices.size(), 1u);
  EXPECT_EQ(r.placed[0].share.raw(), 1000);
  EXPECT_EQ(State("j"), JobState::kRunning);
  Consistent();
}

TEST_F(SchedulerTest, RejectsMalformedJobNamingTheField) {
  Make();
  JobSpec bad = Job("j").Flavor("h20", {"nvidia-h20"}).Cards(1).Build();
  bad.task_groups[0].flavors[0].demand.devices = MilliDevices::FromRaw(1500);
  absl::Status s = s_->Submit(bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("task_groups[0].flavors[0].demand.devices"), std::string::npos) << s;
  ASSERT_TRUE(s_->Submit(Job("ok").Flavor("c", {}).Build()).ok());
  EXPECT_EQ(s_->Submit(Job("ok").Flavor("c", {}).Build()).code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(SchedulerTest, UnknownPluginInProfileIsInvalidArgumentNamingIt) {
  ProfileSpec p = DefaultProfile();
  p.plugins.push_back(PluginArgs{"no_such_plugin", 1, {}});
  SchedulerOptions o;
  o.catalog = catalog_;
  o.clock = &clock_;
  o.profile = p;
  auto s = Scheduler::Create(std::move(o));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("no_such_plugin"), std::string::npos);
  p = DefaultProfile();
  p.plugins.back().args["max_per_node"] = "lots";
  o = SchedulerOptions();
  o.catalog = catalog_;
  o.clock = &clock_;
  o.profile = p;
  s = Scheduler::Create(std::move(o));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("spread.args.max_per_node"), std::string::npos) << s.status();
}

TEST_F(SchedulerTest, GangIsAllOrNothing) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(3).Build());
  // 4 x 8 cards on 3 nodes: cannot be whole, nothing may stay reserved.
  ASSERT_TRUE(
      s_->Submit(Job("big").Flavor("h20", {"nvidia-h20"}).Cards(8).Replicas(4).Build()).ok());
  CycleResult r = s_->RunCycle();
  EXPECT_TRUE(r.placed.empty());
  EXPECT_EQ(State("big"), JobState::kPending);
  EXPECT_EQ(s_->cluster().allocation_count(), 0u);
  EXPECT_NE(View("big").last_reject.find("gang incomplete"), std::string::npos)
      << View("big").last_reject;
  // With min_available 3 the gang runs with 3 tasks.
  ASSERT_TRUE(s_->Submit(Job("elastic")
                             .Flavor("h20", {"nvidia-h20"})
                             .Cards(8)
                             .Replicas(4)
                             .MinAvailable(3)
                             .Build())
                  .ok());
  r = s_->RunCycle();
  EXPECT_EQ(r.placed.size(), 3u);
  EXPECT_EQ(NodesOf("elastic").size(), 3u);
  Consistent();
}

TEST_F(SchedulerTest, GangLandsInOneFlavor) {
  Make();
  Add(ClusterBuilder(*catalog_)
          .Node("nv")
          .Devices("nvidia-h20", 8)
          .Repeat(1)
          .Node("asc")
          .Arch(Arch::kAarch64)
          .Devices("ascend-910b", 8)
          .Repeat(2)
          .Build());
  // 2 x 8 H20 does not fit (1 node); 2 x 8 910B does.
  ASSERT_TRUE(s_->Submit(Job("j")
                             .Group("w")
                             .Flavor("h20", {"nvidia-h20"})
                             .Cards(8)
                             .Replicas(2)
                             .Flavor("910b", {"ascend-910b"})
                             .Cards(8)
                             .Replicas(2)
                             .Build())
                  .ok());
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 2u);
  for (const Binding& b : r.placed) EXPECT_EQ(b.flavor_name, "910b");
  EXPECT_EQ(View("j").chosen_flavor, std::vector<int32_t>{1});
}

TEST_F(SchedulerTest, FlavorChoicePrefersNormalizedThroughput) {
  Make();
  Add(ClusterBuilder(*catalog_)
          .Node("h20")
          .Devices("nvidia-h20", 8)
          .Repeat(2)
          .Node("h100")
          .Devices("nvidia-h100", 8)
          .Repeat(2)
          .Build());
  ASSERT_TRUE(s_->Submit(Job("j")
                             .Group("w")
                             .Flavor("h20", {"nvidia-h20"})
                             .Cards(8)
                             .Flavor("h100", {"nvidia-h100"})
                             .Cards(8)
                             .Build())
                  .ok());
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.placed[0].flavor_name, "h100");  // 989 vs 148 BF16 TFLOPS
  auto e = s_->Explain("j");
  ASSERT_TRUE(e.ok());
}

TEST_F(SchedulerTest, ExplainCountsReasonsAcrossNodes) {
  Make();
  Add(ClusterBuilder(*catalog_)
          .Node("asc")
          .Arch(Arch::kAarch64)
          .Devices("ascend-910b", 8)
          .Repeat(5)
          .Node("nv")
          .Devices("nvidia-h20", 4)
          .Repeat(3)
          .Node("cpu")
          .Cpu(500)
          .Repeat(2)
          .Build());
  ASSERT_TRUE(s_->Submit(Job("j").Flavor("h20", {"nvidia-h20"}).Cards(8).Build()).ok());
  s_->RunCycle();
  auto e = s_->Explain("j");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->flavors.size(), 1u);
  const FlavorExplanation& f = e->flavors[0];
  EXPECT_EQ(f.nodes_total, 10);
  EXPECT_EQ(f.nodes_feasible, 0);
  std::map<RejectReason, int32_t> counts(f.reasons.begin(), f.reasons.end());
  EXPECT_EQ(counts[RejectReason::kModelNotAccepted], 7);
  EXPECT_EQ(counts[RejectReason::kInsufficientDevices], 3);
  EXPECT_EQ(f.by_plugin.at("resource_fit"), 10);
  std::string text = e->ToString();
  EXPECT_NE(text.find("0/10 nodes: 7 model not accepted, 3 insufficient whole cards"),
            std::string::npos)
      << text;
}

TEST_F(SchedulerTest, ArchAndImagePlatformsFilter) {
  Make();
  Add(ClusterBuilder(*catalog_)
          .Node("x")
          .Cpu(8000)
          .Repeat(2)
          .Node("arm")
          .Arch(Arch::kAarch64)
          .Cpu(8000)
          .Repeat(1)
          .Node("rv")
          .Arch(Arch::kRiscv64)
          .Cpu(8000)
          .Repeat(1)
          .Build());
  ASSERT_TRUE(s_->Submit(Job("j").Flavor("cpu", {}).Image(Arch::kRiscv64).Build()).ok());
  s_->RunCycle();
  EXPECT_EQ(NodesOf("j"), std::set<std::string>{"rv-0"});
}

TEST_F(SchedulerTest, PriorityFifoWithinPriority) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(1).Build());
  ASSERT_TRUE(s_->Submit(Job("low").Priority(1).Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  ASSERT_TRUE(
      s_->Submit(Job("high-a").Priority(5).Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  ASSERT_TRUE(
      s_->Submit(Job("high-b").Priority(5).Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  s_->RunCycle();
  EXPECT_EQ(State("high-a"), JobState::kRunning);
  EXPECT_EQ(State("high-b"), JobState::kPending);
  EXPECT_EQ(State("low"), JobState::kPending);
}

TEST_F(SchedulerTest, PreemptsSmallestSetOfLowerPriorityJobs) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(2).Build());
  // n-0: one 8-card job; n-1: four 2-card jobs. A 2-card high-priority job
  // needs exactly one victim: the cheapest is one 2-card job on n-1.
  ASSERT_TRUE(
      s_->Submit(Job("big").Priority(1).Preemptible().Flavor("f", {"nvidia-h20"}).Cards(8).Build())
          .ok());
  s_->RunCycle();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(s_->Submit(Job(absl::StrCat("small", i))
                               .Priority(1)
                               .Preemptible()
                               .Flavor("f", {"nvidia-h20"})
                               .Cards(2)
                               .Build())
                    .ok());
  }
  s_->RunCycle();
  ASSERT_EQ(s_->cluster().runtime(0).free_whole + s_->cluster().runtime(1).free_whole, 0);
  ASSERT_TRUE(
      s_->Submit(Job("urgent").Priority(10).Flavor("f", {"nvidia-h20"}).Cards(2).Build()).ok());
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.placed[0].task.job_id, "urgent");
  ASSERT_EQ(r.to_stop.size(), 1u);
  EXPECT_EQ(r.to_stop[0].job_id, "small3");  // newest of the equal-priority victims
  EXPECT_EQ(State("big"), JobState::kRunning);
  EXPECT_EQ(State("small3"), JobState::kPending);
  EXPECT_EQ(View("small3").preemptions, 1);
  Consistent();
}

TEST_F(SchedulerTest, GangIsPreemptedWhole) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(2).Build());
  ASSERT_TRUE(s_->Submit(Job("gang")
                             .Priority(1)
                             .Preemptible()
                             .Flavor("f", {"nvidia-h20"})
                             .Cards(8)
                             .Replicas(2)
                             .Build())
                  .ok());
  s_->RunCycle();
  ASSERT_EQ(State("gang"), JobState::kRunning);
  ASSERT_TRUE(
      s_->Submit(Job("urgent").Priority(10).Flavor("f", {"nvidia-h20"}).Cards(4).Build()).ok());
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.to_stop.size(), 2u);  // both tasks of the gang, not just one node's
  EXPECT_EQ(State("gang"), JobState::kPending);
  Consistent();
}

TEST_F(SchedulerTest, NoPreemptionOfNonPreemptibleOrEqualPriority) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(1).Build());
  ASSERT_TRUE(s_->Submit(Job("a").Priority(1).Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  s_->RunCycle();
  ASSERT_TRUE(s_->Submit(Job("b").Priority(10).Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  CycleResult r = s_->RunCycle();
  EXPECT_TRUE(r.placed.empty());
  EXPECT_TRUE(r.to_stop.empty());
  EXPECT_EQ(State("a"), JobState::kRunning);
  Consistent();
}

TEST_F(SchedulerTest, FailedGangPreemptionRollsBackVictims) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(2).Build());
  ASSERT_TRUE(
      s_->Submit(Job("v").Priority(1).Preemptible().Flavor("f", {"nvidia-h20"}).Cards(8).Build())
          .ok());
  ASSERT_TRUE(
      s_->Submit(Job("keep").Priority(20).Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  s_->RunCycle();
  // Needs 2 nodes; only one has a victim: preempting it would not help.
  ASSERT_TRUE(
      s_->Submit(Job("g").Priority(10).Flavor("f", {"nvidia-h20"}).Cards(8).Replicas(2).Build())
          .ok());
  CycleResult r = s_->RunCycle();
  EXPECT_TRUE(r.placed.empty());
  EXPECT_TRUE(r.to_stop.empty());
  EXPECT_EQ(State("v"), JobState::kRunning);
  EXPECT_EQ(View("v").bindings.size(), 1u);
  Consistent();
}

TEST_F(SchedulerTest, TenantMaxQuotaBlocksAndNamesTheKey) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(2).Build());
  ASSERT_TRUE(s_->SetTenantQuota(TenantQuotaSpec{"a", {}, {{"device:nvidia-h20", 8000}}, 1}).ok());
  ASSERT_TRUE(s_->Submit(Job("a1").Tenant("a").Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  ASSERT_TRUE(s_->Submit(Job("a2").Tenant("a").Flavor("f", {"nvidia-h20"}).Cards(1).Build()).ok());
  s_->RunCycle();
  EXPECT_EQ(State("a1"), JobState::kRunning);
  EXPECT_EQ(State("a2"), JobState::kPending);
  EXPECT_NE(View("a2").last_reject.find("tenant quota max device:nvidia-h20"), std::string::npos)
      << View("a2").last_reject;
  EXPECT_EQ(s_->SetTenantQuota(TenantQuotaSpec{"a", {}, {{"gpus", 1}}, 1}).code(),
            absl::StatusCode::kInvalidArgument);
  Consistent();
}

TEST_F(SchedulerTest, NormalizedQuotaBuysSameComputeOnAnyVendor) {
  Make();
  Add(ClusterBuilder(*catalog_)
          .Node("h100")
          .Devices("nvidia-h100", 8)
          .Repeat(1)
          .Node("h20")
          .Devices("nvidia-h20", 8)
          .Repeat(1)
          .Build());
  int64_t f = catalog_->Find("nvidia-h100")->training_factor_milli;
  // Quota of exactly two H100s in H20-equivalents.
  ASSERT_TRUE(s_->SetTenantQuota(TenantQuotaSpec{"a", {}, {{"h20e", 2 * f}}, 1}).ok());
  ASSERT_TRUE(s_->Submit(Job("j1").Tenant("a").Flavor("f", {"nvidia-h100"}).Cards(2).Build()).ok());
  ASSERT_TRUE(s_->Submit(Job("j2").Tenant("a").Flavor("f", {"nvidia-h20"}).Cards(1).Build()).ok());
  s_->RunCycle();
  EXPECT_EQ(State("j1"), JobState::kRunning);
  EXPECT_EQ(State("j2"), JobState::kPending);  // no room left, even on a cheaper card
}

TEST_F(SchedulerTest, DominantResourceFairnessAcrossTenants) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(1).Build());
  // Tenant a already holds 4 cards; b holds none. Under contention b's job
  // goes first although a's was submitted earlier.
  ASSERT_TRUE(s_->Submit(Job("a0").Tenant("a").Flavor("f", {"nvidia-h20"}).Cards(4).Build()).ok());
  s_->RunCycle();
  ASSERT_TRUE(s_->Submit(Job("a1").Tenant("a").Flavor("f", {"nvidia-h20"}).Cards(4).Build()).ok());
  ASSERT_TRUE(s_->Submit(Job("b1").Tenant("b").Flavor("f", {"nvidia-h20"}).Cards(4).Build()).ok());
  s_->RunCycle();
  EXPECT_EQ(State("b1"), JobState::kRunning);
  EXPECT_EQ(State("a1"), JobState::kPending);
}

TEST_F(SchedulerTest, GuaranteedTenantGoesFirst) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(1).Build());
  ASSERT_TRUE(s_->SetTenantQuota(TenantQuotaSpec{"g", {{"devices", 8000}}, {}, 1}).ok());
  ASSERT_TRUE(
      s_->Submit(Job("x").Tenant("other").Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  ASSERT_TRUE(s_->Submit(Job("y").Tenant("g").Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  s_->RunCycle();
  EXPECT_EQ(State("y"), JobState::kRunning);
  EXPECT_EQ(State("x"), JobState::kPending);
}

TEST_F(SchedulerTest, BackfillDoesNotDelayReservedHead) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(2).Build());
  ASSERT_TRUE(
      s_->Submit(Job("run").Duration(absl::Hours(1)).Flavor("f", {"nvidia-h20"}).Cards(8).Build())
          .ok());
  ASSERT_TRUE(
      s_->Submit(Job("run2").Duration(absl::Hours(1)).Flavor("f", {"nvidia-h20"}).Cards(4).Build())
          .ok());
  s_->RunCycle();
  // 4 cards free. Head needs 16: starts when both finish, in 1 h.
  ASSERT_TRUE(
      s_->Submit(Job("head").Priority(5).Flavor("f", {"nvidia-h20"}).Cards(8).Replicas(2).Build())
          .ok());
  // Short job (30 min) fits before the shadow time: backfilled.
  ASSERT_TRUE(
      s_->Submit(
            Job("short").Duration(absl::Minutes(30)).Flavor("f", {"nvidia-h20"}).Cards(2).Build())
          .ok());
  // Long job (3 h) would hold cards the head needs at its start: blocked.
  ASSERT_TRUE(
      s_->Submit(Job("long").Duration(absl::Hours(3)).Flavor("f", {"nvidia-h20"}).Cards(2).Build())
          .ok());
  s_->RunCycle();
  EXPECT_EQ(State("head"), JobState::kPending);
  EXPECT_EQ(State("short"), JobState::kRunning);
  EXPECT_EQ(State("long"), JobState::kPending);
  EXPECT_NE(View("long").last_reject.find("would delay reserved job"), std::string::npos)
      << View("long").last_reject;
}

TEST_F(SchedulerTest, BacksOffAndRetriesOnlyOnRelevantEvents) {
  ProfileSpec p = DefaultProfile();
  p.backoff_initial = absl::Seconds(1);
  p.backoff_max = absl::Seconds(600);
  Make(p);
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(1).Build());
  ASSERT_TRUE(
      s_->Submit(Job("j").Flavor("f", {"nvidia-h20"}).Cards(16 / 2).Replicas(2).Build()).ok());
  s_->RunCycle();
  EXPECT_EQ(View("j").attempts, 1);
  // No event: later cycles do not retry it, even after the back-off passed.
  clock_.Advance(absl::Seconds(5));
  s_->RunCycle();
  s_->RunCycle();
  EXPECT_EQ(View("j").attempts, 1);
  // A node joins: retried and placed.
  Add(ClusterBuilder(*catalog_).Node("m").Devices("nvidia-h20", 8).Build());
  CycleResult r = s_->RunCycle();
  EXPECT_EQ(View("j").attempts, 2);
  EXPECT_EQ(r.placed.size(), 2u);
}

TEST_F(SchedulerTest, UnhealthyDeviceStopsTasksAndRequeues) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(1).Build());
  ASSERT_TRUE(s_->Submit(Job("j").Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  s_->RunCycle();
  ASSERT_TRUE(s_->SetDeviceHealth("n-0", 3, false, "xid 79").ok());
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.to_stop.size(), 1u);
  EXPECT_EQ(r.to_stop[0].job_id, "j");
  EXPECT_TRUE(r.placed.empty());  // 7 healthy cards cannot hold 8
  EXPECT_EQ(State("j"), JobState::kPending);
  ASSERT_TRUE(s_->SetDeviceHealth("n-0", 3, true, "").ok());
  clock_.Advance(absl::Seconds(2));  // past the first back-off
  r = s_->RunCycle();
  EXPECT_EQ(r.placed.size(), 1u);
  Consistent();
}

TEST_F(SchedulerTest, NodeLossRequeuesAndTaskExitsFinishJobs) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(2).Build());
  ASSERT_TRUE(s_->Submit(Job("j").Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  std::string first = r.placed[0].node;
  ASSERT_TRUE(s_->SetNodeReady(first, false).ok());
  r = s_->RunCycle();
  EXPECT_EQ(r.to_stop.size(), 1u);
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_NE(r.placed[0].node, first);
  ASSERT_TRUE(s_->ReportTaskExit(r.placed[0].task, true).ok());
  EXPECT_EQ(State("j"), JobState::kSucceeded);
  EXPECT_EQ(s_->cluster().allocation_count(), 0u);
  Consistent();
}

TEST_F(SchedulerTest, LostOrCordonedNodesTakeNoWorkEvenWithoutTheTaintsFilter) {
  ProfileSpec p = DefaultProfile();
  std::erase_if(p.plugins, [](const PluginArgs& a) { return a.name == "taints"; });
  Make(p);
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(3).Build());
  ASSERT_TRUE(s_->SetNodeReady("n-0", false).ok());
  ASSERT_TRUE(s_->SetNodeSchedulable("n-1", false).ok());
  ASSERT_TRUE(s_->Submit(Job("a").Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  ASSERT_TRUE(s_->Submit(Job("b").Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  CycleResult r = s_->RunCycle();
  ASSERT_EQ(r.placed.size(), 1u);
  EXPECT_EQ(r.placed[0].node, "n-2");
  EXPECT_EQ(State("b"), JobState::kPending);
  auto e = s_->Explain("b");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->flavors.size(), 1u);
  std::map<RejectReason, int32_t> counts(e->flavors[0].reasons.begin(),
                                         e->flavors[0].reasons.end());
  EXPECT_EQ(counts[RejectReason::kNodeNotReady], 1) << e->ToString();
  EXPECT_EQ(counts[RejectReason::kNodeUnschedulable], 1);
  Consistent();
}

TEST_F(SchedulerTest, BackedOffJobWaitsForAnEventAndNotifyCapacityChangedIsOne) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(1).Build());
  ASSERT_TRUE(s_->Submit(Job("big").Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  ASSERT_EQ(s_->RunCycle().placed.size(), 1u);
  ASSERT_TRUE(s_->Submit(Job("j").Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  s_->RunCycle();
  ASSERT_EQ(View("j").attempts, 1);
  clock_.Advance(absl::Seconds(5));  // past the first back-off, no event
  s_->RunCycle();
  EXPECT_EQ(View("j").attempts, 1);
  s_->NotifyCapacityChanged();
  s_->RunCycle();
  EXPECT_EQ(View("j").attempts, 2);
  EXPECT_EQ(State("j"), JobState::kPending);
}

TEST_F(SchedulerTest, RestoreBindingReassumesExactDevices) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(1).Build());
  JobSpec job = Job("j").Flavor("f", {"nvidia-h20"}).Cards(2).Build();
  ASSERT_TRUE(s_->Submit(job).ok());
  Binding b;
  b.task = TaskRef{"j", 0, 0};
  b.flavor = 0;
  b.node = "n-0";
  b.devices = {5, 6};
  ASSERT_TRUE(s_->RestoreBinding(b).ok());
  EXPECT_EQ(State("j"), JobState::kRunning);
  EXPECT_EQ(View("j").bindings[0].devices, (std::vector<int32_t>{5, 6}));
  EXPECT_EQ(s_->RestoreBinding(b).code(), absl::StatusCode::kAlreadyExists);
  Consistent();
}

// A restarted daemon's gang: task 1 still runs, task 0 had exited 0. The
// exit is restored, so task 0 is not placed again and task 1's exit ends
// the job.
TEST_F(SchedulerTest, RestoredTaskExitIsNotPlacedAgain) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(1).Build());
  ASSERT_TRUE(s_->Submit(Job("j").Flavor("f", {"nvidia-h20"}).Cards(1).Replicas(2).Build()).ok());
  Binding exited;
  exited.task = TaskRef{"j", 0, 0};
  exited.node = "n-0";
  exited.devices = {0};
  exited.attempt = 1;
  EXPECT_EQ(s_->RestoreTaskExit(exited).code(), absl::StatusCode::kFailedPrecondition)
      << "nothing of the job runs yet";
  Binding running = exited;
  running.task.task = 1;
  running.devices = {1};
  ASSERT_TRUE(s_->RestoreBinding(running).ok());
  ASSERT_TRUE(s_->RestoreTaskExit(exited).ok());
  EXPECT_EQ(s_->RestoreTaskExit(exited).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s_->RestoreBinding(exited).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(s_->RunCycle().placed.empty());
  EXPECT_EQ(s_->cluster().runtime(0).free_whole, 7) << "the exited task holds nothing";
  ASSERT_TRUE(s_->ReportTaskExit(running.task, true).ok());
  EXPECT_EQ(State("j"), JobState::kSucceeded);
  Consistent();
}

TEST_F(SchedulerTest, CancelReleasesCapacity) {
  Make();
  Add(ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(1).Build());
  ASSERT_TRUE(s_->Submit(Job("j").Flavor("f", {"nvidia-h20"}).Cards(8).Build()).ok());
  s_->RunCycle();
  ASSERT_TRUE(s_->Cancel("j").ok());
  CycleResult r = s_->RunCycle();
  EXPECT_EQ(r.to_stop.size(), 1u);
  EXPECT_EQ(State("j"), JobState::kCancelled);
  EXPECT_EQ(s_->cluster().runtime(0).free_whole, 8);
  EXPECT_EQ(s_->Cancel("nope").code(), absl::StatusCode::kNotFound);
}

TEST_F(SchedulerTest, RequiredTopologyKeepsGangUnderOneSwitch) {
  Make();
  Add(ClusterBuilder(*catalog_)
          .Node("a")
          .Devices("nvidia-h20", 8)
          .Path({"pod", "sw1"})
          .Repeat(3)
          .Node("b")
          .Devices("nvidia-h20", 8)
          .Path({"pod", "sw2"})
          .Repeat(2)
          .Build());
  ASSERT_TRUE(s_->Submit(Job("g")
                             .Group("w")
                             .Topology(TopologyMode::kRequired, 1)
                             .Flavor("f", {"nvidia-h20"})
                             .Cards(8)
                             .Replicas(2)
                             .Build())
                  .ok());
  s_->RunCycle();
  std::set<std::string> nodes = NodesOf("g");
  ASSERT_EQ(nodes.size(), 2u);
  // The tightest switch that holds it is sw2 (2 nodes).
  EXPECT_EQ(nodes, (std::set<std::string>{"b-0", "b-1"}));
  ASSERT_TRUE(s_->Submit(Job("g4")
                             .Group("w")
                             .Topology(TopologyMode::kRequired, 1)
                             .Flavor("f", {"nvidia-h20"})
                             .Cards(8)
                             .Replicas(3)
                             .Build())
                  .ok());
  s_->RunCycle();
  EXPECT_EQ(NodesOf("g4"), (std::set<std::string>{"a-0", "a-1", "a-2"}));
  ASSERT_TRUE(s_->Submit(Job("g5")
                             .Group("w")
                             .Topology(TopologyMode::kRequired, 1)
                             .Flavor("f", {"nvidia-h20"})
                             .Cards(1)
                             .Replicas(2)
                             .Build())
                  .ok());
  s_->RunCycle();
  EXPECT_EQ(State("g5"), JobState::kPending);
}

TEST_F(SchedulerTest, InferenceReplicasSpreadAcrossDomains) {
  Make();
  Add(ClusterBuilder(*catalog_)
          .Node("r1")
          .Devices("nvidia-h20", 8)
          .Path({"pod", "rack1"})
          .Repeat(2)
          .Node("r2")
          .Devices("nvidia-h20", 8)
          .Path({"pod", "rack2"})
          .Repeat(2)
          .Build());
  ASSERT_TRUE(s_->Submit(Job("svc")
                             .Kind(JobKind::kInference)
                             .MinAvailable(1)
                             .Flavor("f", {"nvidia-h20"})
                             .Cards(1)
                             .Replicas(4)
                             .Build())
                  .ok());
  s_->RunCycle();
  EXPECT_EQ(NodesOf("svc").size(), 4u);
}

TEST_F(SchedulerTest, SameSeedGivesBitIdenticalPlacements) {
  auto run = [&](uint64_t seed) {
    Make(DefaultProfile(), seed);
    Add(ClusterBuilder(*catalog_)
            .Node("n")
            .Devices("nvidia-h20", 8)
            .Repeat(20)
            .Node("a")
            .Arch(Arch::kAarch64)
            .Devices("ascend-910b", 8)
            .Repeat(20)
            .Build());
    std::mt19937_64 rng(seed);
    std::string log;
    for (int i = 0; i < 200; ++i) {
      int cards = 1 << (rng() % 4);
      JobBuilder b = Job(absl::StrCat("j", i));
      b.Tenant(absl::StrCat("t", rng() % 3)).Priority(static_cast<int32_t>(rng() % 3));
      b.Group("w").Flavor("nv", {"nvidia-h20"}).Cards(cards).Replicas(1 + rng() % 2);
      b.Flavor("asc", {"ascend-910b"}).Cards(cards).Replicas(1 + rng() % 2);
      EXPECT_TRUE(s_->Submit(b.Build()).ok());
      if (i % 10 == 9) {
        CycleResult r = s_->RunCycle();
        for (const Binding& x : r.placed) {
          absl::StrAppend(&log, x.task.job_id, "/", x.task.task, "@", x.node, ":");
          for (int32_t d : x.devices) absl::StrAppend(&log, d, ",");
          absl::StrAppend(&log, ";");
        }
      }
    }
    return log;
  };
  std::string a = run(7);
  std::string b = run(7);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace manychip
