// The control plane end to end: real manychipd, real agents with simulated
// inventories, real task processes, on loopback with port 0.

#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace manychip::testing {
namespace {

std::string SubmitOk(Cluster& c, const std::string& file) {
  CtlResult r = c.Ctl({"submit", file});
  EXPECT_EQ(r.code, 0) << r.out;
  std::string id = r.out;
  while (!id.empty() && (id.back() == '\n')) id.pop_back();
  return id;
}

TEST(ControlPlaneTest, SubmitPlaceLaunchWithVisibilityEnvAndSucceed) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();

  const std::string id = SubmitOk(
      c,
      c.JobFile("job.json", ShellJob("team-a", 2, 2,
                                     "echo visible=$CUDA_VISIBLE_DEVICES task=$MANYCHIP_TASK_ID")));
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(c.WaitPhase(id, v1::SUCCEEDED, absl::Seconds(15))) << c.Logs();

  auto job = c.GetJob(id);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->tasks_size(), 2);
  // The NVIDIA adapter names devices by UUID, as the kubelet device plugin does.
  v1::Node inventory;
  ASSERT_TRUE(codec::ReadJsonFile(Src("examples/inventories/x86-h20.json"), &inventory).ok());
  std::map<int32_t, std::string> uuid;
  for (const v1::Device& d : inventory.devices()) uuid[d.index()] = d.uuid();
  std::set<int32_t> used;
  for (const v1::TaskStatus& t : job->tasks()) {
    EXPECT_EQ(t.phase(), v1::TASK_EXITED);
    EXPECT_EQ(t.exit_code(), 0);
    EXPECT_EQ(t.node(), "gpu-1");
    ASSERT_EQ(t.devices_size(), 2);
    std::string want;
    for (int32_t d : t.devices()) {
      EXPECT_TRUE(used.insert(d).second) << "device " << d << " given twice";
      absl::StrAppend(&want, want.empty() ? "" : ",", uuid[d]);
    }
    ASSERT_TRUE(t.env().contains("CUDA_VISIBLE_DEVICES")) << t.DebugString();
    EXPECT_EQ(t.env().at("CUDA_VISIBLE_DEVICES"), want);
    // The process really ran with that env: its stdout says so.
    std::string stem = t.task_id();
    for (char& ch : stem) ch = ch == '/' ? '_' : ch;
    const std::string out = Slurp(c.File("agent-gpu-1/tasks/" + stem + ".1.out"));
    EXPECT_EQ(out, absl::StrCat("visible=", want, " task=", t.task_id(), "\n"));
  }

  // The CLI tables show the same.
  CtlResult get = c.Ctl({"get", "job", id});
  EXPECT_EQ(get.code, 0);
  EXPECT_TRUE(absl::StrContains(get.out, "SUCCEEDED")) << get.out;
  EXPECT_TRUE(absl::StrContains(get.out, "CUDA_VISIBLE_DEVICES=")) << get.out;
  CtlResult jobs = c.Ctl({"-o", "json", "jobs"});
  EXPECT_EQ(jobs.code, 0);
  EXPECT_TRUE(absl::StrContains(jobs.out, id)) << jobs.out;
  CtlResult nodes = c.Ctl({"nodes"});
  EXPECT_EQ(nodes.code, 0);
  EXPECT_TRUE(absl::StrContains(nodes.out, "gpu-1")) << nodes.out;
  EXPECT_TRUE(absl::StrContains(nodes.out, "Ready")) << nodes.out;
  CtlResult describe = c.Ctl({"describe", "node", "gpu-1"});
  EXPECT_EQ(describe.code, 0);
  EXPECT_TRUE(absl::StrContains(describe.out, "nvidia-h20")) << describe.out;
  CtlResult explain = c.Ctl({"explain", id});
  EXPECT_EQ(explain.code, 0) << explain.out;
  EXPECT_TRUE(absl::StrContains(explain.out, "gpu-1")) << explain.out;
}

TEST(ControlPlaneTest, NonZeroExitAndMissingCommandAreReported) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();

  const std::string bad = SubmitOk(c, c.JobFile("bad.json", ShellJob("team-a", 1, 1, "exit 3")));
  const std::string missing = SubmitOk(
      c, c.JobFile("missing.json",
                   R"({"tenant": "team-a", "kind": "BATCH", "task_groups": [{"name": "main",
                      "replicas": 1, "demand": {"cpu_milli": 500, "memory_mib": 64},
                      "command": "/no/such/binary"}]})"));
  auto exited_with = [&](const std::string& id, int code, const std::string& msg) {
    return WaitFor(
        [&] {
          auto j = c.GetJob(id);
          if (!j.ok()) return false;
          for (const auto& t : j->tasks()) {
            if (t.phase() == v1::TASK_EXITED && t.exit_code() == code &&
                absl::StrContains(t.message(), msg)) {
              return true;
            }
          }
          return false;
        },
        absl::Seconds(15));
  };
  EXPECT_TRUE(exited_with(bad, 3, "")) << c.Logs();
  EXPECT_TRUE(exited_with(missing, 127, "command not found")) << c.Logs();
  // The daemon kept serving.
  EXPECT_EQ(c.Ctl({"jobs"}).code, 0);
}

TEST(ControlPlaneTest, GangIsAllOrNone) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  // 3 x 4 cards on one 8-card node: no partial gang may start.
  const std::string id =
      SubmitOk(c, c.JobFile("gang.json", ShellJob("team-a", 3, 4, "exec sleep 30")));
  // A rejected attempt is the scheduler's decision; then nothing may have started.
  ASSERT_TRUE(c.WaitRejected(id, absl::Seconds(10))) << c.Logs();
  auto job = c.GetJob(id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->phase(), v1::PENDING);
  EXPECT_EQ(job->tasks_size(), 0) << job->DebugString();
  CtlResult explain = c.Ctl({"explain", id});
  EXPECT_EQ(explain.code, 0) << explain.out;
  EXPECT_TRUE(absl::StrContains(explain.out, "group main")) << explain.out;
  // Nothing ran on the agent.
  EXPECT_FALSE(std::filesystem::exists(c.File("agent-gpu-1/tasks"))) << c.Logs();
}

TEST(ControlPlaneTest, LostAgentMakesNodeNotReadyAndTasksFailOver) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  c.StartAgent("gpu-2", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(2, absl::Seconds(10))) << c.Logs();
  const std::string id =
      SubmitOk(c, c.JobFile("long.json", ShellJob("team-a", 1, 8, "exec sleep 60")));
  ASSERT_TRUE(c.WaitPhase(id, v1::RUNNING, absl::Seconds(10))) << c.Logs();
  std::string first_node;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto j = c.GetJob(id);
        if (!j.ok() || j->tasks_size() != 1 || j->tasks(0).phase() != v1::TASK_RUNNING)
          return false;
        first_node = j->tasks(0).node();
        return true;
      },
      absl::Seconds(10)))
      << c.Logs();
  c.agent(first_node)->Kill(SIGKILL);
  const std::string other = first_node == "gpu-1" ? "gpu-2" : "gpu-1";
  ASSERT_TRUE(WaitFor(
      [&] {
        auto j = c.GetJob(id);
        return j.ok() && j->tasks_size() == 1 && j->tasks(0).node() == other &&
               j->tasks(0).attempt() == 2 && j->tasks(0).phase() == v1::TASK_RUNNING;
      },
      absl::Seconds(15)))
      << c.Logs();
  CtlResult nodes = c.Ctl({"nodes"});
  EXPECT_TRUE(absl::StrContains(nodes.out, "NotReady")) << nodes.out;
}

TEST(ControlPlaneTest, DaemonKill9RestartLosesNothingAndLaunchesNothingTwice) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  const std::string running = SubmitOk(
      c,
      c.JobFile("run.json", ShellJob("team-a", 1, 4, "echo started >> runs.log; exec sleep 60")));
  // Cannot fit while `running` holds 4 of 8 cards: stays pending across the restart.
  const std::string pending = SubmitOk(c, c.JobFile("pend.json", ShellJob("team-a", 1, 8, "true")));
  ASSERT_TRUE(WaitFor(
      [&] {
        auto j = c.GetJob(running);
        return j.ok() && j->tasks_size() == 1 && j->tasks(0).phase() == v1::TASK_RUNNING;
      },
      absl::Seconds(10)))
      << c.Logs();
  const int port = c.port();
  c.StopDaemon(SIGKILL);
  ASSERT_TRUE(c.StartDaemon({}, port)) << c.Logs();
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  // Heartbeats after reconnecting: the daemon has reconciled the running task.
  ASSERT_TRUE(c.WaitHeartbeats("gpu-1", 3, absl::Seconds(10))) << c.Logs();

  auto r = c.GetJob(running);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->phase(), v1::RUNNING);
  ASSERT_EQ(r->tasks_size(), 1);
  EXPECT_EQ(r->tasks(0).phase(), v1::TASK_RUNNING);
  EXPECT_EQ(r->tasks(0).attempt(), 1) << "the running task must be adopted, not relaunched";
  auto p = c.GetJob(pending);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->phase(), v1::PENDING);
  EXPECT_EQ(Slurp(c.File("agent-gpu-1/runs.log")), "started\n") << c.Logs();
}

TEST(ControlPlaneTest, UnhealthyDeviceIsIsolatedAndItsTaskFailsOver) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  const std::string inv = c.Inventory("x86-h20.json", "h20.json");
  c.StartAgent("gpu-1", inv);
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  const std::string id =
      SubmitOk(c, c.JobFile("one.json", ShellJob("team-a", 1, 1, "exec sleep 60")));
  int32_t device = -1;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto j = c.GetJob(id);
        if (!j.ok() || j->tasks_size() != 1 || j->tasks(0).phase() != v1::TASK_RUNNING)
          return false;
        device = j->tasks(0).devices(0);
        return true;
      },
      absl::Seconds(10)))
      << c.Logs();
  // Flip that device to UNHEALTHY in the inventory the agent polls.
  v1::Node node;
  ASSERT_TRUE(codec::ReadJsonFile(inv, &node).ok());
  for (v1::Device& d : *node.mutable_devices()) {
    if (d.index() == device) {
      d.set_health(v1::UNHEALTHY);
      d.set_health_reason("xid 79");
    }
  }
  auto json = codec::ToJson(node);
  ASSERT_TRUE(json.ok());
  std::ofstream(inv + ".new") << *json;
  std::filesystem::rename(inv + ".new", inv);

  ASSERT_TRUE(WaitFor(
      [&] {
        auto j = c.GetJob(id);
        return j.ok() && j->tasks_size() == 1 && j->tasks(0).attempt() == 2 &&
               j->tasks(0).devices(0) != device;
      },
      absl::Seconds(15)))
      << c.Logs();
  CtlResult d = c.Ctl({"describe", "node", "gpu-1"});
  EXPECT_TRUE(absl::StrContains(d.out, "UNHEALTHY")) << d.out;
}

}  // namespace
}  // namespace manychip::testing

namespace manychip::testing {
namespace {

// Flips the health of `devices` in an inventory file the agent polls.
void SetHealth(const std::string& inv, const std::set<int32_t>& devices, bool healthy) {
  v1::Node node;
  ASSERT_TRUE(codec::ReadJsonFile(inv, &node).ok());
  for (v1::Device& d : *node.mutable_devices()) {
    if (devices.contains(d.index())) {
      d.set_health(healthy ? v1::HEALTHY : v1::UNHEALTHY);
      d.set_health_reason(healthy ? "" : "ecc uncorrectable");
    }
  }
  auto json = codec::ToJson(node);
  ASSERT_TRUE(json.ok());
  std::ofstream(inv + ".new") << *json;
  std::filesystem::rename(inv + ".new", inv);
}

TEST(ControlPlaneTest, DeviceEvictionsAreRateLimited) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon({"--max_evictions_per_minute=1"})) << c.Logs();
  const std::string inv = c.Inventory("x86-h20.json", "h20.json");
  c.StartAgent("gpu-1", inv);
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    CtlResult r = c.Ctl({"submit", c.JobFile(absl::StrCat("j", i, ".json"),
                                             ShellJob("team-a", 1, 1, "exec sleep 60"))});
    ASSERT_EQ(r.code, 0) << r.out;
    ids.push_back(r.out.substr(0, r.out.find('\n')));
  }
  std::set<int32_t> used;
  ASSERT_TRUE(WaitFor(
      [&] {
        used.clear();
        for (const std::string& id : ids) {
          auto j = c.GetJob(id);
          if (!j.ok() || j->tasks_size() != 1 || j->tasks(0).phase() != v1::TASK_RUNNING) {
            return false;
          }
          used.insert(j->tasks(0).devices(0));
        }
        return used.size() == 2;
      },
      absl::Seconds(10)))
      << c.Logs();
  // Both cards go bad at once; one eviction token per minute.
  SetHealth(inv, used, false);
  auto evicted = [&] {
    int n = 0;
    for (const std::string& id : ids) {
      auto j = c.GetJob(id);
      n += j.ok() && j->tasks_size() == 1 && j->tasks(0).attempt() == 2;
    }
    return n;
  };
  ASSERT_TRUE(WaitFor([&] { return evicted() == 1; }, absl::Seconds(10))) << c.Logs();
  // The daemon logs when it defers an eviction for want of a token.
  ASSERT_TRUE(WaitFor(
      [&] { return absl::StrContains(Slurp(c.File("manychipd.log")), "eviction rate limit"); },
      absl::Seconds(10)))
      << c.Logs();
  EXPECT_EQ(evicted(), 1) << "the second eviction must wait for a token";
}

TEST(ControlPlaneTest, WatchStreamsJobChanges) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  // A job that fits nowhere: the watch shows it as current once it is open.
  SubmitOk(c, c.JobFile("big.json", ShellJob("team-a", 1, 16, "true")));
  Process watch({Bin("manychipctl"), "--server=" + c.address(), "watch"}, c.File("watch.log"));
  ASSERT_TRUE(WaitFor(
      [&] { return absl::StrContains(Slurp(c.File("watch.log")), "job-000001 PENDING current"); },
      absl::Seconds(10)))
      << Slurp(c.File("watch.log"));
  CtlResult r = c.Ctl({"submit", c.JobFile("j.json", ShellJob("team-a", 1, 1, "true"))});
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(WaitFor(
      [&] {
        const std::string log = Slurp(c.File("watch.log"));
        return absl::StrContains(log, "job-000002 PENDING submitted") &&
               absl::StrContains(log, "job-000002 SUCCEEDED");
      },
      absl::Seconds(10)))
      << Slurp(c.File("watch.log"));
}

}  // namespace
}  // namespace manychip::testing
