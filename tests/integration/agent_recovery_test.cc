// Launches that get lost on the way and tasks that outlive their agent.

#include <signal.h>

#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace manychip::testing {
namespace {

std::string Submit(Cluster& c, const std::string& name, const std::string& json) {
  CtlResult r = c.Ctl({"submit", c.JobFile(name, json)});
  EXPECT_EQ(r.code, 0) << r.out;
  return r.out.substr(0, r.out.find('\n'));
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Alive and not a zombie.
bool Alive(pid_t pid) {
  const std::string stat = Slurp(absl::StrCat("/proc/", pid, "/stat"));
  if (stat.empty()) return false;
  const size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

// Whether a task keeper has written an outcome record in `tasks_dir`.
bool HasKeeperRecord(const std::string& tasks_dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(tasks_dir, ec)) {
    if (e.path().extension() == ".outcome") return true;
  }
  return false;
}

TEST(AgentRecoveryTest, UnacknowledgedLaunchIsResentAndRunsOnce) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon({"--launch_ack_timeout=1s", "--launch_max_sends=3"})) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"), {"--test_drop_launches=1"});
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  const std::string id =
      Submit(c, "j.json", ShellJob("team-a", 1, 1, "echo run $MANYCHIP_ATTEMPT >> runs.log"));
  ASSERT_TRUE(c.WaitPhase(id, v1::SUCCEEDED, absl::Seconds(15))) << c.Logs();
  auto j = c.GetJob(id);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->tasks(0).attempt(), 1) << "a resend is the same attempt, not a failover";
  EXPECT_EQ(Slurp(c.File("agent-gpu-1/runs.log")), "run 1\n");
  const std::string daemon_log = Slurp(c.File("manychipd.log"));
  EXPECT_EQ(Count(daemon_log, "sending it again"), 1) << daemon_log;
  EXPECT_TRUE(absl::StrContains(Slurp(c.File("agent-gpu-1.log")), "dropping the launch"));
}

TEST(AgentRecoveryTest, LaunchNeverAcknowledgedFailsOverAfterMaxSends) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon(
      {"--launch_ack_timeout=1s", "--launch_max_sends=2", "--launch_failure_hold=2s"}))
      << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"), {"--test_drop_launches=2"});
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  const std::string id =
      Submit(c, "j.json", ShellJob("team-a", 1, 1, "echo run $MANYCHIP_ATTEMPT >> runs.log"));
  // Attempt 1 is sent twice and dropped twice; the job is failed over, the
  // only node is held for 2 s, and then attempt 2 (the agent no longer
  // drops) runs there.
  ASSERT_TRUE(c.WaitPhase(id, v1::SUCCEEDED, absl::Seconds(20))) << c.Logs();
  auto j = c.GetJob(id);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->tasks(0).attempt(), 2) << j->DebugString();
  EXPECT_EQ(Slurp(c.File("agent-gpu-1/runs.log")), "run 2\n");
  EXPECT_TRUE(absl::StrContains(Slurp(c.File("manychipd.log")), "after 2 sends; failing it over"))
      << c.Logs();
}

// The node that swallowed the launches is held, so the failed-over job goes
// to another node instead of into the same hole; `describe node` says why.
TEST(AgentRecoveryTest, NodeThatSwallowsLaunchesIsHeldAndTheJobRunsElsewhere) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon({"--launch_ack_timeout=1s", "--launch_max_sends=2"})) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"), {"--test_drop_launches=100"});
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  const std::string id =
      Submit(c, "j.json", ShellJob("team-a", 1, 1, "echo run $MANYCHIP_ATTEMPT >> runs.log"));
  ASSERT_TRUE(WaitFor(
      [&] {
        auto j = c.GetJob(id);
        return j.ok() && j->tasks_size() > 0 && j->tasks(0).node() == "gpu-1";
      },
      absl::Seconds(10)))
      << c.Logs();
  // Only now a healthy second node joins: the job can only get there by
  // failing over.
  c.StartAgent("gpu-2", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(2, absl::Seconds(10))) << c.Logs();
  ASSERT_TRUE(c.WaitPhase(id, v1::SUCCEEDED, absl::Seconds(20))) << c.Logs();
  auto j = c.GetJob(id);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->tasks(0).node(), "gpu-2") << j->DebugString();
  EXPECT_EQ(j->tasks(0).attempt(), 2) << j->DebugString();
  EXPECT_EQ(Slurp(c.File("agent-gpu-2/runs.log")), "run 2\n");
  CtlResult d = c.Ctl({"describe", "node", "gpu-1"});
  EXPECT_EQ(d.code, 0) << d.out;
  EXPECT_TRUE(absl::StrContains(d.out, "Held:        did not acknowledge a launch after 2 sends"))
      << d.out;
  // A second job avoids the held node too.
  const std::string id2 = Submit(c, "j2.json", ShellJob("team-a", 1, 1, "echo second >> runs.log"));
  ASSERT_TRUE(c.WaitPhase(id2, v1::SUCCEEDED, absl::Seconds(20))) << c.Logs();
  auto j2 = c.GetJob(id2);
  ASSERT_TRUE(j2.ok());
  EXPECT_EQ(j2->tasks(0).node(), "gpu-2") << j2->DebugString();
}

TEST(AgentRecoveryTest, GrandchildOfKilledAgentIsKilledByItsRestartAndTheJobFailsOver) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  // The shell starts a grandchild in a process group of its own (the
  // task's group dies with the agent: its keeper kills it), which writes its
  // pid once it is there.
  const std::string id =
      Submit(c, "j.json",
             ShellJob("team-a", 1, 1,
                      "perl -e 'setpgrp(0,0); open(F, \">gc.tmp\"); print F $$; close(F); "
                      "rename(\"gc.tmp\", \"gc.$ENV{MANYCHIP_ATTEMPT}.pid\"); sleep 300' & wait"));
  pid_t grandchild = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        int64_t v = 0;
        if (!absl::SimpleAtoi(Slurp(c.File("agent-gpu-1/gc.1.pid")), &v)) {
          // SimpleAtoi tolerates surrounding whitespace; an empty file is not ready.
          return false;
        }
        grandchild = static_cast<pid_t>(v);
        return true;
      },
      absl::Seconds(10)))
      << c.Logs();
  ASSERT_TRUE(Alive(grandchild));

  c.agent("gpu-1")->Kill(SIGKILL);
  // The shell died with the agent: its keeper says so in its record. The
  // grandchild did not.
  const std::string tasks = c.File("agent-gpu-1/tasks");
  ASSERT_TRUE(WaitFor([&] { return HasKeeperRecord(tasks); }, absl::Seconds(10))) << c.Logs();
  ASSERT_TRUE(Alive(grandchild)) << "nothing to test: the grandchild died with the agent";

  // Same workdir: the restarted agent finds the task's pid file.
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  EXPECT_TRUE(WaitFor([&] { return !Alive(grandchild); }, absl::Seconds(10)))
      << "grandchild " << grandchild << " survived the agent restart\n"
      << c.Logs();
  EXPECT_TRUE(absl::StrContains(Slurp(c.File("agent-gpu-1.log")), "outlived the previous agent"));
  // The daemon hears the task is gone and fails the job over: attempt 2 runs.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto j = c.GetJob(id);
        return j.ok() && j->phase() == v1::RUNNING && j->tasks_size() == 1 &&
               j->tasks(0).attempt() == 2 && j->tasks(0).phase() == v1::TASK_RUNNING;
      },
      absl::Seconds(10)))
      << c.Logs();
}

TEST(AgentRecoveryTest, StopKillsTheWholeTaskIncludingGrandchildren) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  // The grandchild moves to a process group of its own: a group kill alone
  // would miss it, the session does not.
  const std::string id = Submit(
      c, "j.json",
      ShellJob("team-a", 1, 1,
               "perl -e 'setpgrp(0,0); sleep 300' & echo $! > gc.pid; trap '' TERM; wait; wait"));
  pid_t grandchild = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        int64_t v = 0;
        if (!absl::SimpleAtoi(Slurp(c.File("agent-gpu-1/gc.pid")), &v)) return false;
        grandchild = static_cast<pid_t>(v);
        return Alive(grandchild);
      },
      absl::Seconds(10)))
      << c.Logs();
  ASSERT_EQ(c.Ctl({"cancel", id}).code, 0);
  // TERM is ignored by the shell; the 1 s grace ends in SIGKILL for all.
  EXPECT_TRUE(WaitFor([&] { return !Alive(grandchild); }, absl::Seconds(10))) << c.Logs();
}

// Keeps the newest watched status of every job, from notifications only: the
// daemon sends those after the store write holding the change, so what this
// shows is durable. The "current" snapshot at watch start is not.
class DurableWatch {
 public:
  explicit DurableWatch(Cluster& c) : stub_(c.Client()) {
    reader_ = stub_->WatchJobs(&ctx_, v1::WatchJobsRequest());
    thread_ = std::thread([this] {
      v1::JobEvent ev;
      while (reader_->Read(&ev)) {
        if (ev.reason() == "current") continue;
        absl::MutexLock lock(&mu_);
        jobs_[ev.status().job().id()] = ev.status();
      }
    });
  }
  ~DurableWatch() {
    ctx_.TryCancel();
    thread_.join();
    (void)reader_->Finish();
  }
  // True once the durable status of `id` has every task running.
  bool AllTasksRunning(const std::string& id) {
    absl::MutexLock lock(&mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end() || it->second.tasks_size() == 0) return false;
    for (const v1::TaskStatus& t : it->second.tasks()) {
      if (t.phase() != v1::TASK_RUNNING) return false;
    }
    return true;
  }

 private:
  std::unique_ptr<v1::Scheduler::Stub> stub_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<v1::JobEvent>> reader_;
  std::thread thread_;
  absl::Mutex mu_;
  std::map<std::string, v1::JobStatus> jobs_ ABSL_GUARDED_BY(mu_);
};

enum class AgentToo { kNo, kRestarted };

// Issue #14: a task that exited 0 while the daemon was frozen wrote its exit
// into a stream that then died. The restarted daemon, which had the task
// RUNNING on disk, must learn the outcome from the agent instead of marking
// the task lost and running a second attempt. With `kRestarted` the agent
// is killed too and the outcomes survive only in its workdir.
void ExitIntoADyingSessionRunsOnce(AgentToo agent_too) {
  constexpr int kJobs = 4;
  Cluster c;
  // A long grace: the restarted daemon must decide from what the agent
  // reports, not from a node loss.
  ASSERT_TRUE(c.StartDaemon({"--node_grace=30s"})) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  auto watch = std::make_unique<DurableWatch>(c);
  // Each task logs its launch, then exits 0 once the test creates `go`.
  const std::string go = c.File("go");
  const std::string script =
      absl::StrCat("echo $MANYCHIP_ATTEMPT >> launches.$MANYCHIP_JOB_ID; while [ ! -e ", go,
                   " ]; do sleep 0.05; done; touch exited.$MANYCHIP_JOB_ID.$MANYCHIP_ATTEMPT");
  std::vector<std::string> ids;
  for (int i = 0; i < kJobs; ++i) {
    ids.push_back(Submit(c, absl::StrCat("j", i, ".json"), ShellJob("team-a", 1, 1, script)));
  }
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const std::string& id : ids) {
          if (!watch->AllTasksRunning(id)) return false;
        }
        return true;
      },
      absl::Seconds(20)))
      << c.Logs();
  watch.reset();

  // Freeze the daemon, let every task exit: the agent writes the exits into
  // the frozen daemon's stream, where nobody will ever read them.
  ASSERT_EQ(::kill(c.daemon()->pid(), SIGSTOP), 0);
  std::ofstream(go) << "go\n";
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string log = Slurp(c.File("agent-gpu-1.log"));
        for (const std::string& id : ids) {
          if (!std::filesystem::exists(c.File(absl::StrCat("agent-gpu-1/exited.", id, ".1"))) ||
              !absl::StrContains(log, absl::StrCat("task ", id, "/main/0 attempt 1 exited"))) {
            return false;
          }
        }
        return true;
      },
      absl::Seconds(20)))
      << c.Logs();
  const int port = c.port();
  if (agent_too == AgentToo::kRestarted) c.agent("gpu-1")->Kill(SIGKILL);
  c.StopDaemon(SIGKILL);
  ASSERT_TRUE(c.StartDaemon({"--node_grace=30s"}, port)) << c.Logs();
  if (agent_too == AgentToo::kRestarted) {
    c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  }

  // SUCCEEDED is final: once every job has it, no further attempt can start.
  for (const std::string& id : ids) {
    ASSERT_TRUE(c.WaitPhase(id, v1::SUCCEEDED, absl::Seconds(30))) << id << "\n" << c.Logs();
  }
  for (const std::string& id : ids) {
    EXPECT_EQ(Slurp(c.File(absl::StrCat("agent-gpu-1/launches.", id))), "1\n")
        << "job " << id << " ran more than once";
    auto j = c.GetJob(id);
    ASSERT_TRUE(j.ok()) << j.status();
    EXPECT_EQ(j->tasks(0).attempt(), 1) << j->DebugString();
  }
}

TEST(AgentRecoveryTest, TaskThatExitedIntoADyingSessionIsNotRunAgain) {
  ExitIntoADyingSessionRunsOnce(AgentToo::kNo);
}

TEST(AgentRecoveryTest, TaskThatExitedIntoADyingSessionIsNotRunAgainAfterAnAgentRestart) {
  ExitIntoADyingSessionRunsOnce(AgentToo::kRestarted);
}

// The window keepers close: a task ends 0 while its agent cannot reap it
// (stopped), and the agent is SIGKILLed before it could. The next agent
// life reports the exit its keeper recorded; the job succeeds under
// attempt 1 and nothing runs again. A second task, still running when the
// agent dies, is reported LOST and its job runs again under attempt 2.
TEST(AgentRecoveryTest, ExitThatTheKilledAgentNeverSawIsReportedByItsNextLife) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon({"--node_grace=30s"})) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  const std::string go = c.File("go");
  const std::string done =
      Submit(c, "done.json",
             ShellJob("team-a", 1, 1,
                      absl::StrCat("echo $MANYCHIP_ATTEMPT >> launches.done; while [ ! -e ", go,
                                   " ]; do sleep 0.02; done")));
  const std::string busy =
      Submit(c, "busy.json",
             ShellJob("team-a", 1, 1,
                      "echo $MANYCHIP_ATTEMPT >> launches.busy; [ $MANYCHIP_ATTEMPT -gt 1 ] || "
                      "exec sleep 300"));
  for (const std::string& id : {done, busy}) {
    ASSERT_TRUE(WaitFor(
        [&] {
          auto j = c.GetJob(id);
          return j.ok() && j->tasks_size() == 1 && j->tasks(0).phase() == v1::TASK_RUNNING;
        },
        absl::Seconds(20)))
        << c.Logs();
  }

  ASSERT_EQ(::kill(c.agent("gpu-1")->pid(), SIGSTOP), 0);
  std::ofstream(go) << "go\n";
  // The keeper of `done` recorded its exit 0 (the only record so far: the
  // other task still runs).
  const std::string tasks = c.File("agent-gpu-1/tasks");
  ASSERT_TRUE(WaitFor([&] { return HasKeeperRecord(tasks); }, absl::Seconds(10))) << c.Logs();
  c.agent("gpu-1")->Kill(SIGKILL);
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));

  ASSERT_TRUE(c.WaitPhase(done, v1::SUCCEEDED, absl::Seconds(20))) << c.Logs();
  auto j = c.GetJob(done);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->tasks(0).attempt(), 1) << j->DebugString();
  ASSERT_TRUE(c.WaitPhase(busy, v1::SUCCEEDED, absl::Seconds(20))) << c.Logs();
  j = c.GetJob(busy);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->tasks(0).attempt(), 2) << j->DebugString();
  EXPECT_EQ(Slurp(c.File("agent-gpu-1/launches.done")), "1\n") << "the finished task ran again";
  EXPECT_EQ(Slurp(c.File("agent-gpu-1/launches.busy")), "1\n2\n");
  EXPECT_TRUE(absl::StrContains(Slurp(c.File("agent-gpu-1.log")), "killed with its agent"))
      << Slurp(c.File("agent-gpu-1.log"));
}

}  // namespace
}  // namespace manychip::testing
