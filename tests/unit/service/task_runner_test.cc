#include "src/service/task_runner.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"

namespace manychip::internal {
namespace {

class TaskRunnerTest : public ::testing::Test {
 protected:
  TaskRunnerTest() {
    char tmpl[] = "/tmp/mc-runner-XXXXXX";
    dir_ = mkdtemp(tmpl);
    StartRunner();
  }
  // A new runner in the same workdir, as an agent restart makes.
  void StartRunner() {
    runner_.reset();
    runner_ = std::make_unique<TaskRunner>(dir_, [this](const v1::TaskEvent& e) {
      absl::MutexLock lock(&mu_);
      events_.push_back(e);
    });
  }
  ~TaskRunnerTest() override {
    runner_.reset();
    std::filesystem::remove_all(dir_);
  }

  static v1::LaunchTask Shell(const std::string& id, const std::string& script, int attempt = 1) {
    v1::LaunchTask l;
    l.set_task_id(id);
    l.set_attempt(attempt);
    l.set_command("/bin/sh");
    l.add_args("-c");
    l.add_args(script);
    return l;
  }

  // Waits for an event of `kind` for `id`; returns it (kind unspecified on timeout).
  v1::TaskEvent WaitEvent(const std::string& id, v1::TaskEventKind kind, int nth = 1) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      {
        absl::MutexLock lock(&mu_);
        int seen = 0;
        for (const v1::TaskEvent& e : events_) {
          if (e.task_id() == id && e.kind() == kind && ++seen == nth) return e;
        }
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return v1::TaskEvent();
  }
  int Count(const std::string& id, v1::TaskEventKind kind) {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const v1::TaskEvent& e : events_) n += e.task_id() == id && e.kind() == kind;
    return n;
  }
  std::string Read(const std::string& rel) {
    std::ifstream in(dir_ + "/" + rel);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string dir_;
  absl::Mutex mu_;
  std::vector<v1::TaskEvent> events_;
  std::unique_ptr<TaskRunner> runner_;
};

TEST_F(TaskRunnerTest, RunsWithEnvCapturesOutputAndReportsExitCode) {
  v1::LaunchTask l = Shell("j/g/0", "echo dev=$ASCEND_RT_VISIBLE_DEVICES; echo oops >&2; exit 7");
  (*l.mutable_env())["ASCEND_RT_VISIBLE_DEVICES"] = "0,1,2,3";
  runner_->Launch(l);
  EXPECT_GT(WaitEvent("j/g/0", v1::STARTED).pid(), 0);
  v1::TaskEvent exit = WaitEvent("j/g/0", v1::EXITED);
  EXPECT_EQ(exit.exit_code(), 7);
  EXPECT_EQ(exit.signal(), 0);
  EXPECT_EQ(Read("tasks/j_g_0.1.out"), "dev=0,1,2,3\n");
  EXPECT_EQ(Read("tasks/j_g_0.1.err"), "oops\n");
  EXPECT_TRUE(runner_->Running().empty());
}

TEST_F(TaskRunnerTest, ManyChildrenExitingTogetherAreAllReported) {
  for (int i = 0; i < 20; ++i) runner_->Launch(Shell("t/" + std::to_string(i), "exit 0"));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(WaitEvent("t/" + std::to_string(i), v1::EXITED).kind(), v1::EXITED) << i;
  }
}

TEST_F(TaskRunnerTest, MissingCommandFailsToStart) {
  v1::LaunchTask l;
  l.set_task_id("x");
  l.set_attempt(1);
  l.set_command("/no/such/program");
  runner_->Launch(l);
  v1::TaskEvent e = WaitEvent("x", v1::FAILED_TO_START);
  EXPECT_EQ(e.exit_code(), 127);
  EXPECT_NE(e.message().find("/no/such/program"), std::string::npos) << e.message();
  l.set_task_id("y");
  l.set_command("no-such-program-in-path");
  runner_->Launch(l);
  EXPECT_NE(WaitEvent("y", v1::FAILED_TO_START).message().find("not found in PATH"),
            std::string::npos);
}

TEST_F(TaskRunnerTest, StopTerminatesThenKillsAfterGrace) {
  runner_->Launch(Shell("polite", "exec sleep 30"));
  runner_->Launch(
      Shell("stubborn", "trap '' TERM; touch stubborn.ready; while true; do sleep 0.05; done"));
  ASSERT_GT(WaitEvent("polite", v1::STARTED).pid(), 0);
  ASSERT_GT(WaitEvent("stubborn", v1::STARTED).pid(), 0);
  EXPECT_EQ(runner_->Running().size(), 2u);
  // Its trap is installed once it says so.
  ASSERT_TRUE(testing::WaitFor([&] { return std::filesystem::exists(dir_ + "/stubborn.ready"); },
                               absl::Seconds(10)));
  runner_->Stop("polite", absl::Seconds(5));
  runner_->Stop("stubborn", absl::Milliseconds(300));
  EXPECT_EQ(WaitEvent("polite", v1::EXITED).signal(), SIGTERM);
  EXPECT_EQ(WaitEvent("stubborn", v1::EXITED).signal(), SIGKILL);
}

TEST_F(TaskRunnerTest, DuplicateLaunchNeverRunsTwice) {
  runner_->Launch(Shell("d", "echo run >> count; exec sleep 0.3"));
  ASSERT_GT(WaitEvent("d", v1::STARTED).pid(), 0);
  runner_->Launch(Shell("d", "echo run >> count; exec sleep 0.3"));  // while running
  ASSERT_EQ(WaitEvent("d", v1::EXITED).kind(), v1::EXITED);
  runner_->Launch(Shell("d", "echo run >> count; exec sleep 0.3"));  // after it finished
  ASSERT_EQ(WaitEvent("d", v1::EXITED, 2).kind(), v1::EXITED) << "the exit is re-reported";
  EXPECT_EQ(Count("d", v1::STARTED), 1);
  EXPECT_EQ(Read("count"), "run\n");
  // A new attempt is a new run.
  runner_->Launch(Shell("d", "echo run >> count", 2));
  ASSERT_EQ(WaitEvent("d", v1::EXITED, 3).attempt(), 2);
  EXPECT_EQ(Read("count"), "run\nrun\n");
}

// An outcome is listed until acknowledged, and a new runner in the same
// workdir (a restarted agent) still lists it and does not run it again.
TEST_F(TaskRunnerTest, OutcomeIsKeptUntilAcknowledgedEvenAcrossARestart) {
  runner_->Launch(Shell("k/g/0", "echo run >> count; exit 3"));
  runner_->Launch(Shell("k/g/1", "true"));
  v1::LaunchTask missing = Shell("k/g/2", "");
  missing.set_command("/nonexistent/manychip-test-command");
  runner_->Launch(missing);
  ASSERT_EQ(WaitEvent("k/g/0", v1::EXITED).exit_code(), 3);
  ASSERT_EQ(WaitEvent("k/g/1", v1::EXITED).kind(), v1::EXITED);
  ASSERT_EQ(WaitEvent("k/g/2", v1::FAILED_TO_START).kind(), v1::FAILED_TO_START);
  TaskRunner::Report report = runner_->Snapshot();
  EXPECT_TRUE(report.running.empty());
  ASSERT_EQ(report.finished.size(), 3u);
  runner_->Acknowledge("k/g/1", 1);
  runner_->Acknowledge("k/g/2", 2);  // another attempt: not this outcome
  report = runner_->Snapshot();
  ASSERT_EQ(report.finished.size(), 2u);
  // The failed start is recorded at once, so it is usually the older one.
  std::vector<std::string> kept = {report.finished[0].task_id(), report.finished[1].task_id()};
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, (std::vector<std::string>{"k/g/0", "k/g/2"}));

  StartRunner();  // reads the ledger back in file-name order
  report = runner_->Snapshot();
  ASSERT_EQ(report.finished.size(), 2u);
  EXPECT_EQ(report.finished[0].task_id(), "k/g/0");
  EXPECT_EQ(report.finished[0].exit_code(), 3);
  EXPECT_EQ(report.finished[1].kind(), v1::FAILED_TO_START);
  // The daemon resending the launch of a kept attempt learns its outcome.
  const int exits_before = Count("k/g/0", v1::EXITED);
  runner_->Launch(Shell("k/g/0", "echo run >> count; exit 3"));
  ASSERT_EQ(WaitEvent("k/g/0", v1::EXITED, exits_before + 1).exit_code(), 3);
  EXPECT_EQ(Count("k/g/0", v1::STARTED), 1) << "only the first life started it";
  EXPECT_EQ(Read("count"), "run\n");
  runner_->Acknowledge("k/g/0", 1);
  runner_->Acknowledge("k/g/2", 1);
  StartRunner();
  EXPECT_TRUE(runner_->Snapshot().finished.empty());
}

// An agent SIGKILLed while one task had just exited 0 (unreaped: the agent
// was stopped) and another still ran. The next life reports the first as
// exited 0 and the second as LOST, and reruns neither under that attempt.
TEST_F(TaskRunnerTest, AfterAnAgentCrashEachTaskIsReportedAsItEndedNotLostOrRunAgain) {
  runner_.reset();  // the fork below must come from a single-threaded process
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t agent = ::fork();
  ASSERT_GE(agent, 0);
  if (agent == 0) {
    TaskRunner life(dir_, [](const v1::TaskEvent&) {});
    life.Launch(Shell("a", "echo run >> count-a; while [ ! -e go ]; do sleep 0.01; done"));
    life.Launch(Shell("b", "echo run >> count-b; exec sleep 60"));
    const char ok =
        testing::WaitFor([&] { return life.Running().size() == 2; }, absl::Seconds(10)) ? 'y' : 'n';
    (void)!::write(ready[1], &ok, 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(ok, 'y');
  // "a" ends while the agent cannot see it, then the agent dies.
  ASSERT_EQ(::kill(agent, SIGSTOP), 0);
  std::ofstream(dir_ + "/go") << "";
  ASSERT_TRUE(testing::WaitFor([&] { return std::filesystem::exists(dir_ + "/tasks/a.1.outcome"); },
                               absl::Seconds(10)));
  ::kill(agent, SIGKILL);
  ::waitpid(agent, nullptr, 0);

  StartRunner();
  TaskRunner::Report report = runner_->Snapshot();
  EXPECT_TRUE(report.running.empty());
  ASSERT_EQ(report.finished.size(), 2u);
  std::sort(
      report.finished.begin(), report.finished.end(),
      [](const v1::TaskEvent& x, const v1::TaskEvent& y) { return x.task_id() < y.task_id(); });
  EXPECT_EQ(report.finished[0].task_id(), "a");
  EXPECT_EQ(report.finished[0].kind(), v1::EXITED);
  EXPECT_EQ(report.finished[0].exit_code(), 0);
  EXPECT_EQ(report.finished[1].task_id(), "b");
  EXPECT_EQ(report.finished[1].kind(), v1::LOST) << report.finished[1].DebugString();
  // Read into the ledger, the previous life's files are gone.
  for (const char* f : {"a.1.pid", "a.1.outcome", "b.1.pid", "b.1.outcome"}) {
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/tasks/" + f)) << f;
  }

  // The daemon resending either launch learns the outcome; nothing reruns.
  runner_->Launch(Shell("a", "echo run >> count-a"));
  runner_->Launch(Shell("b", "echo run >> count-b"));
  EXPECT_EQ(WaitEvent("a", v1::EXITED).exit_code(), 0);
  EXPECT_EQ(WaitEvent("b", v1::LOST).kind(), v1::LOST);
  EXPECT_EQ(Count("a", v1::STARTED) + Count("b", v1::STARTED), 0);
  EXPECT_EQ(Read("count-a"), "run\n");
  EXPECT_EQ(Read("count-b"), "run\n");
}

}  // namespace
}  // namespace manychip::internal
