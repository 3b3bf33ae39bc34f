// Evictions: a drain (cordon, then rate-limited evictions that fail jobs
// over; uncordon stops them) and an unhealthy device whose tasks wait for
// an eviction slot while the device itself takes no new work.

#include <fstream>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace manychip::testing {
namespace {

std::string Submit(Cluster& c, const std::string& name, const std::string& json) {
  CtlResult r = c.Ctl({"submit", c.JobFile(name, json)});
  EXPECT_EQ(r.code, 0) << r.out;
  return r.out.substr(0, r.out.find('\n'));
}

// The job's single task, when it is in `phase` (any node if empty).
bool TaskIs(Cluster& c, const std::string& id, v1::TaskPhase phase, int attempt,
            const std::string& node) {
  auto j = c.GetJob(id);
  return j.ok() && j->tasks_size() == 1 && j->tasks(0).phase() == phase &&
         j->tasks(0).attempt() == attempt && (node.empty() || j->tasks(0).node() == node);
}

TEST(EvictionTest, DrainEvictsRateLimitedToOtherNodesAndUncordonStopsIt) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon({"--max_evictions_per_minute=1"})) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  const std::string a = Submit(c, "a.json", ShellJob("team-a", 1, 4, "exec sleep 60"));
  const std::string b = Submit(c, "b.json", ShellJob("team-a", 1, 4, "exec sleep 60"));
  ASSERT_TRUE(WaitFor(
      [&] {
        return TaskIs(c, a, v1::TASK_RUNNING, 1, "gpu-1") &&
               TaskIs(c, b, v1::TASK_RUNNING, 1, "gpu-1");
      },
      absl::Seconds(10)))
      << c.Logs();
  c.StartAgent("gpu-2", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(2, absl::Seconds(10))) << c.Logs();

  // One eviction token per minute: the first job goes now, the second waits.
  CtlResult drain = c.Ctl({"--wait=1s", "drain", "gpu-1"});
  EXPECT_EQ(drain.code, 0) << drain.out;
  EXPECT_TRUE(absl::StrContains(drain.out, "gpu-1 cordoned\n")) << drain.out;
  EXPECT_TRUE(absl::StrContains(drain.out, "evicted " + a)) << drain.out;
  EXPECT_FALSE(absl::StrContains(drain.out, "evicted " + b)) << drain.out;
  EXPECT_TRUE(absl::StrContains(drain.out, "gpu-1 still draining: 1 task(s) left")) << drain.out;

  // The evicted job restarted elsewhere; the other still runs where it was.
  ASSERT_TRUE(
      WaitFor([&] { return TaskIs(c, a, v1::TASK_RUNNING, 2, "gpu-2"); }, absl::Seconds(10)))
      << c.Logs();
  EXPECT_TRUE(TaskIs(c, b, v1::TASK_RUNNING, 1, "gpu-1")) << c.GetJob(b)->DebugString();
  CtlResult describe = c.Ctl({"describe", "node", "gpu-1"});
  EXPECT_TRUE(absl::StrContains(describe.out, "draining")) << describe.out;
  EXPECT_TRUE(absl::StrContains(describe.out, "Evicted:     " + a)) << describe.out;
  EXPECT_TRUE(absl::StrContains(Slurp(c.File("manychipd.log")), "eviction rate limit"));

  // Uncordon: schedulable again and no more evictions.
  CtlResult un = c.Ctl({"uncordon", "gpu-1"});
  EXPECT_EQ(un.code, 0) << un.out;
  // Uncordon stops the evictions when it answers; heartbeats after it would
  // have reported a stop.
  ASSERT_TRUE(c.WaitHeartbeats("gpu-1", 3, absl::Seconds(10))) << c.Logs();
  EXPECT_TRUE(TaskIs(c, b, v1::TASK_RUNNING, 1, "gpu-1")) << c.GetJob(b)->DebugString();
  CtlResult nodes = c.Ctl({"-o", "json", "nodes"});
  EXPECT_FALSE(absl::StrContains(nodes.out, "\"draining\": true")) << nodes.out;
  describe = c.Ctl({"describe", "node", "gpu-1"});
  EXPECT_TRUE(absl::StrContains(describe.out, "Schedulable: yes")) << describe.out;
}

TEST(EvictionTest, DrainedJobWithNowhereElseToGoWaitsPendingThenReturnsAfterUncordon) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  // The task records each start and each SIGTERM it gets.
  const std::string a =
      Submit(c, "a.json",
             ShellJob("team-a", 1, 2,
                      "echo start $MANYCHIP_ATTEMPT >> a.log; trap 'echo term >> a.log; exit 0' "
                      "TERM; sleep 60 & wait"));
  ASSERT_TRUE(
      WaitFor([&] { return TaskIs(c, a, v1::TASK_RUNNING, 1, "gpu-1"); }, absl::Seconds(10)))
      << c.Logs();

  CtlResult drain = c.Ctl({"--wait=10s", "drain", "gpu-1"});
  EXPECT_EQ(drain.code, 0) << drain.out;
  EXPECT_TRUE(absl::StrContains(drain.out, "evicted " + a)) << drain.out;
  EXPECT_TRUE(absl::StrContains(drain.out, "gpu-1 drained: 1 job(s) evicted")) << drain.out;

  // Not lost: back to PENDING, its task stopped with the reason.
  auto j = c.GetJob(a);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->phase(), v1::PENDING) << j->DebugString();
  ASSERT_EQ(j->tasks_size(), 1);
  EXPECT_EQ(j->tasks(0).phase(), v1::TASK_STOPPED);
  EXPECT_TRUE(absl::StrContains(j->tasks(0).message(), "draining")) << j->DebugString();
  EXPECT_TRUE(WaitFor([&] { return absl::StrContains(Slurp(c.File("agent-gpu-1/a.log")), "term"); },
                      absl::Seconds(5)))
      << Slurp(c.File("agent-gpu-1/a.log"));
  CtlResult explain = c.Ctl({"explain", a});
  EXPECT_EQ(explain.code, 0) << explain.out;
  // Heartbeats after the eviction: the node's report did not bring it back.
  ASSERT_TRUE(c.WaitHeartbeats("gpu-1", 3, absl::Seconds(10))) << c.Logs();
  EXPECT_EQ(c.GetJob(a)->phase(), v1::PENDING);

  ASSERT_EQ(c.Ctl({"uncordon", "gpu-1"}).code, 0);
  ASSERT_TRUE(
      WaitFor([&] { return TaskIs(c, a, v1::TASK_RUNNING, 2, "gpu-1"); }, absl::Seconds(10)))
      << c.Logs();
  EXPECT_EQ(Slurp(c.File("agent-gpu-1/a.log")), "start 1\nterm\nstart 2\n");
}

TEST(EvictionTest, DrainOfUnknownNodeIsNotFound) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  CtlResult r = c.Ctl({"drain", "no-such-node"});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "not found")) << r.out;
  EXPECT_EQ(c.Ctl({"--wait=-1s", "drain", "x"}).code, 2);
}

// Flips the health of `device` in an inventory file the agent polls.
void SetHealth(const std::string& inv, int32_t device, bool healthy) {
  v1::Node node;
  ASSERT_TRUE(codec::ReadJsonFile(inv, &node).ok());
  for (v1::Device& d : *node.mutable_devices()) {
    if (d.index() == device) {
      d.set_health(healthy ? v1::HEALTHY : v1::UNHEALTHY);
      d.set_health_reason(healthy ? "" : "xid 79");
    }
  }
  auto json = codec::ToJson(node);
  ASSERT_TRUE(json.ok());
  std::ofstream(inv + ".new") << *json;
  std::filesystem::rename(inv + ".new", inv);
}

std::string ShareJob(int milli) {
  return absl::StrCat(R"({"tenant": "team-a", "kind": "INFERENCE", "task_groups": [{
      "name": "main", "replicas": 1,
      "demand": {"milli_devices": )",
                      milli, R"(, "device_memory_mib": 1024, "cpu_milli": 500, "memory_mib": 256},
      "device_models": ["nvidia-h20"],
      "command": "/bin/sh", "args": ["-c", "exec sleep 60"]}]})");
}

int32_t DeviceOf(Cluster& c, const std::string& id) {
  auto j = c.GetJob(id);
  return j.ok() && j->tasks_size() == 1 && j->tasks(0).devices_size() == 1 ? j->tasks(0).devices(0)
                                                                           : -1;
}

TEST(EvictionTest, UnhealthyDeviceWaitingForItsEvictionTakesNoNewWork) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon({"--max_evictions_per_minute=1"})) << c.Logs();
  const std::string inv = c.Inventory("x86-h20.json", "h20.json");
  c.StartAgent("gpu-1", inv);
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  // 8 cards: 6 for `big`, 1 for `one`, half of the last for `half`.
  const std::string big = Submit(c, "big.json", ShellJob("team-a", 1, 6, "exec sleep 60"));
  ASSERT_TRUE(c.WaitPhase(big, v1::RUNNING, absl::Seconds(10))) << c.Logs();
  const std::string one = Submit(c, "one.json", ShellJob("team-a", 1, 1, "exec sleep 60"));
  ASSERT_TRUE(
      WaitFor([&] { return TaskIs(c, one, v1::TASK_RUNNING, 1, "gpu-1"); }, absl::Seconds(10)))
      << c.Logs();
  const std::string half = Submit(c, "half.json", ShareJob(500));
  ASSERT_TRUE(
      WaitFor([&] { return TaskIs(c, half, v1::TASK_RUNNING, 1, "gpu-1"); }, absl::Seconds(10)))
      << c.Logs();
  const int32_t one_dev = DeviceOf(c, one);
  const int32_t half_dev = DeviceOf(c, half);
  ASSERT_GE(one_dev, 0);
  ASSERT_GE(half_dev, 0);
  ASSERT_NE(one_dev, half_dev);

  // The first bad card takes the only eviction token: `one` is evicted
  // (and has nowhere to go).
  SetHealth(inv, one_dev, false);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto j = c.GetJob(one);
        return j.ok() && j->phase() == v1::PENDING;
      },
      absl::Seconds(10)))
      << c.Logs();
  // Out of the way: a pending whole-card job at the head of the queue would
  // hold back (backfill) the fractional job below for reasons of its own.
  ASSERT_EQ(c.Ctl({"cancel", one}).code, 0);
  // The second bad card must wait for a token; `half` keeps running on it.
  SetHealth(inv, half_dev, false);
  ASSERT_TRUE(WaitFor(
      [&] { return absl::StrContains(Slurp(c.File("manychipd.log")), "eviction rate limit"); },
      absl::Seconds(10)))
      << c.Logs();
  // Its free half would fit this job; it must not be handed out.
  const std::string late = Submit(c, "late.json", ShareJob(500));
  // The scheduler's decision: a rejected attempt.
  ASSERT_TRUE(c.WaitRejected(late, absl::Seconds(10))) << c.Logs();
  auto j = c.GetJob(late);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->phase(), v1::PENDING) << j->DebugString();
  EXPECT_EQ(j->tasks_size(), 0) << j->DebugString();
  EXPECT_TRUE(TaskIs(c, half, v1::TASK_RUNNING, 1, "gpu-1"));
  CtlResult explain = c.Ctl({"explain", late});
  // Without the quarantine the resource filter would pass gpu-1 (a free half card).
  EXPECT_TRUE(absl::StrContains(explain.out, "1 unhealthy devices")) << explain.out;

  // Healthy again before its turn: not evicted, and allocatable again.
  SetHealth(inv, half_dev, true);
  ASSERT_TRUE(
      WaitFor([&] { return TaskIs(c, late, v1::TASK_RUNNING, 1, "gpu-1"); }, absl::Seconds(10)))
      << c.Ctl({"explain", late}).out << c.Logs();
  EXPECT_EQ(DeviceOf(c, late), half_dev);
  EXPECT_TRUE(TaskIs(c, half, v1::TASK_RUNNING, 1, "gpu-1"));
}

}  // namespace
}  // namespace manychip::testing
