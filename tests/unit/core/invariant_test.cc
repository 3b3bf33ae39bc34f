// Randomized invariant test: 100,000 steps of submit / cancel / finish / fail
// / node-fail / node-add / node-remove / device-health / cycle on a small
// mixed cluster. After EVERY step, ClusterState::CheckConsistency recomputes
// free capacity from the specs and allocations (used + free = allocatable for
// CPU, memory, per-device share and device memory on every node) and rebuilds
// every free-capacity index from scratch to compare. The job
// views are checked against the cluster (running jobs hold bindings, others
// none) every 5,000 steps. At most 40 jobs are live at once (the oldest is cancelled), so the
// run takes seconds while every job still sees placement, preemption and
// failure.

#include <random>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "manychip/core/scheduler.h"
#include "tests/testing/cluster_builder.h"
#include "tests/testing/job_builder.h"

namespace manychip {
namespace {

using testing::ClusterBuilder;
using testing::CoreCatalog;
using testing::JobBuilder;

// Held gang reservations (unbound allocations) must belong to PENDING jobs,
// and bound ones must be exactly the running jobs' bindings.
void CheckBindings(const Scheduler& s, int step) {
  const ClusterState& c = s.cluster();
  size_t bound = 0;
  for (const JobView& v : s.ListJobs()) {
    if (v.state == JobState::kRunning) {
      ASSERT_FALSE(v.bindings.empty()) << v.spec.id;
    } else {
      ASSERT_TRUE(v.bindings.empty()) << v.spec.id << " " << JobStateName(v.state);
    }
    bound += v.bindings.size();
  }
  size_t bound_allocations = 0;
  for (NodeIndex n = 0; n < c.node_count(); ++n) {
    for (AllocationId id : c.AllocationsOnNode(n)) {
      const Allocation* a = c.FindAllocation(id);
      if (a->bound) {
        ++bound_allocations;
        continue;
      }
      absl::StatusOr<JobView> v = s.GetJob(a->request.task.job_id);
      ASSERT_TRUE(v.ok());
      ASSERT_EQ(v->state, JobState::kPending) << "held task of " << v->spec.id << " at " << step;
    }
  }
  ASSERT_EQ(bound, bound_allocations) << "step " << step;
}

// `gang_timeout_seconds` > 0: gangs hold partial reservations across cycles.
void RunRandomSteps(int steps, int64_t gang_timeout_seconds, uint64_t seed) {
  auto catalog = CoreCatalog();
  FakeClock clock(absl::FromUnixSeconds(0));
  SchedulerOptions o;
  o.catalog = catalog;
  o.clock = &clock;
  for (PluginArgs& a : o.profile.plugins) {
    if (a.name == "gang") a.args["timeout_seconds"] = absl::StrCat(gang_timeout_seconds);
  }
  auto created = Scheduler::Create(std::move(o));
  ASSERT_TRUE(created.ok()) << created.status();
  Scheduler& s = **created;
  std::mt19937_64 rng(seed);
  int next_node = 0;
  std::vector<std::string> nodes;
  auto add_node = [&] {
    bool asc = rng() % 2;
    std::string name = absl::StrCat("n", next_node++);
    auto spec = ClusterBuilder(*catalog)
                    .Node(name)
                    .Arch(asc ? Arch::kAarch64 : Arch::kX86_64)
                    .Cpu(16000)
                    .Memory(65536)
                    .Devices(asc ? "ascend-910b" : "nvidia-h20", asc ? 8 : 4)
                    .Path({"pod", absl::StrCat("sw", next_node % 3)})
                    .Build()[0];
    ASSERT_TRUE(s.AddNode(spec).ok());
    nodes.push_back(name);
  };
  for (int i = 0; i < 12; ++i) add_node();
  std::vector<std::string> jobs;
  std::vector<TaskRef> running;
  int64_t placed = 0, stopped = 0, preempted = 0;
  int64_t held_seen = 0;
  for (int step = 0; step < steps; ++step) {
    clock.Advance(absl::Seconds(1));
    int op = static_cast<int>(rng() % 100);
    if (op < 30) {
      JobBuilder b(*catalog, absl::StrCat("j", step));
      b.Tenant(absl::StrCat("t", rng() % 3)).Priority(static_cast<int32_t>(rng() % 3));
      b.Preemptible(rng() % 2 == 0).Duration(absl::Seconds(rng() % 50));
      int shape = static_cast<int>(rng() % 4);
      b.Group("g");
      if (shape == 0) {
        b.Flavor("nv", {"nvidia-h20"}).Cards(1 + rng() % 4).Cpu(1000 + rng() % 3000);
        b.Flavor("asc", {"ascend-910b"}).Cards(1 + rng() % 8);
      } else if (shape == 1) {
        b.Flavor("share", {"nvidia-h20", "ascend-910b"})
            .Share(100 * (1 + rng() % 9))
            .DeviceMemory(1024 * (rng() % 8));
      } else if (shape == 2) {
        b.Flavor("gang", {"nvidia-h20"}).Cards(2).Replicas(2 + rng() % 3);
        if (rng() % 2) b.Topology(TopologyMode::kRequired, 1);
        if (rng() % 3 == 0) b.MinAvailable(1 + static_cast<int32_t>(rng() % 2));
      } else {
        b.Flavor("cpu", {}).Cpu(500 + rng() % 4000).Memory(1024 + rng() % 8192);
      }
      ASSERT_TRUE(s.Submit(b.Build()).ok());
      jobs.push_back(absl::StrCat("j", step));
      // Keep the live set small so the run stays fast: the oldest job goes.
      if (jobs.size() > 40) {
        absl::Status st = s.Cancel(jobs.front());
        ASSERT_TRUE(st.ok() || st.code() == absl::StatusCode::kFailedPrecondition) << st;
        jobs.erase(jobs.begin());
      }
    } else if (op < 38 && !jobs.empty()) {
      absl::Status st = s.Cancel(jobs[rng() % jobs.size()]);
      ASSERT_TRUE(st.ok() || st.code() == absl::StatusCode::kFailedPrecondition) << st;
    } else if (op < 58 && !running.empty()) {
      size_t k = rng() % running.size();
      absl::Status st = s.ReportTaskExit(running[k], rng() % 5 != 0);
      // The task may have been stopped since (preemption, failure, cancel).
      ASSERT_TRUE(st.ok() || st.code() == absl::StatusCode::kNotFound ||
                  st.code() == absl::StatusCode::kFailedPrecondition)
          << st;
      running.erase(running.begin() + static_cast<long>(k));
    } else if (op < 62 && !nodes.empty()) {
      ASSERT_TRUE(s.SetNodeReady(nodes[rng() % nodes.size()], rng() % 2 == 0).ok());
    } else if (op < 64 && rng() % 4 == 0) {
      // Node churn is rarer than other events: removed nodes leave
      // tombstones that every full rescan visits.
      add_node();
    } else if (op >= 64 && op < 66 && nodes.size() > 4 && rng() % 4 == 0) {
      size_t k = rng() % nodes.size();
      ASSERT_TRUE(s.RemoveNode(nodes[k]).ok());
      nodes.erase(nodes.begin() + static_cast<long>(k));
    } else if (op < 70 && !nodes.empty()) {
      const std::string& n = nodes[rng() % nodes.size()];
      auto idx = s.cluster().FindNode(n);
      ASSERT_TRUE(idx.ok());
      int32_t devs = s.cluster().runtime(*idx).device_count;
      ASSERT_TRUE(
          s.SetDeviceHealth(n, static_cast<int32_t>(rng() % devs), rng() % 3 != 0, "r").ok());
    } else if (op < 72 && !nodes.empty()) {
      ASSERT_TRUE(s.SetNodeSchedulable(nodes[rng() % nodes.size()], rng() % 2 == 0).ok());
    } else {
      CycleResult r = s.RunCycle();
      placed += static_cast<int64_t>(r.placed.size());
      stopped += static_cast<int64_t>(r.to_stop.size());
      for (const Binding& b : r.placed) running.push_back(b.task);
      for (const TaskRef& t : r.to_stop) {
        auto it = std::find(running.begin(), running.end(), t);
        if (it != running.end()) running.erase(it);
        ++preempted;
      }
    }
    absl::Status c = s.cluster().CheckConsistency();
    ASSERT_TRUE(c.ok()) << "step " << step << " op " << op << ": " << c;
    if (gang_timeout_seconds > 0) {
      const ClusterState& c = s.cluster();
      for (NodeIndex n = 0; n < c.node_count(); ++n) {
        for (AllocationId id : c.AllocationsOnNode(n)) held_seen += !c.FindAllocation(id)->bound;
      }
    }
    if (step % 5000 == 4999) {
      ASSERT_NO_FATAL_FAILURE(CheckBindings(s, step));
    }
  }
  // The run exercised placement, stops and churn, not just an idle loop.
  EXPECT_GT(placed, steps / 20);
  EXPECT_GT(stopped, steps / 1000);
  EXPECT_GT(preempted, steps / 1000);
  if (gang_timeout_seconds > 0) {
    EXPECT_GT(held_seen, 0);
  }
  // Cancelling everything releases every allocation, held ones included.
  for (const JobView& v : s.ListJobs()) {
    absl::Status st = s.Cancel(v.spec.id);
    ASSERT_TRUE(st.ok() || st.code() == absl::StatusCode::kFailedPrecondition) << st;
  }
  s.RunCycle();
  EXPECT_EQ(s.cluster().allocation_count(), 0u);
  EXPECT_TRUE(s.cluster().CheckConsistency().ok());
}

TEST(InvariantTest, HundredThousandRandomStepsKeepAccountingExact) {
  RunRandomSteps(100000, /*gang_timeout_seconds=*/0, 12345);
}

TEST(InvariantTest, RandomStepsWithHeldGangReservationsKeepAccountingExact) {
  RunRandomSteps(30000, /*gang_timeout_seconds=*/20, 777);
}

}  // namespace
}  // namespace manychip
