#include "src/service/task_keeper.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"

namespace manychip::internal {
namespace {

class TaskKeeperTest : public ::testing::Test {
 protected:
  TaskKeeperTest() {
    char tmpl[] = "/tmp/mc-keeper-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~TaskKeeperTest() override { std::filesystem::remove_all(dir_); }

  KeeperSpec Shell(const std::string& script) const {
    KeeperSpec s;
    s.exe = "/bin/sh";
    s.argv = {"sh", "-c", script};
    s.env = {"MANYCHIP_TASK_ID=job-1/main/0", "GREETING=hello"};
    s.stdout_path = dir_ + "/out";
    s.stderr_path = dir_ + "/err";
    s.workdir = dir_;
    s.task_id = "job-1/main/0";
    s.attempt = 3;
    s.record_path = dir_ + "/record";
    return s;
  }

  std::string Slurp(const std::string& path) const {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Polls for the record a keeper that is not our child writes.
  bool WaitForRecord(const std::string& path) const {
    return testing::WaitFor([&] { return std::filesystem::exists(path); }, absl::Seconds(10));
  }

  std::string dir_;
};

TEST_F(TaskKeeperTest, RecordsHowTheTaskEndedBeforeTheKeeperExits) {
  absl::StatusOr<KeeperProcess> k = StartKeeper(Shell("echo $GREETING; pwd; exit 3"));
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_NE(k->keeper, k->task);
  int status = 0;
  ASSERT_EQ(::waitpid(k->keeper, &status, 0), k->keeper);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  absl::StatusOr<KeeperRecord> rec = ReadKeeperRecord(dir_ + "/record");
  ASSERT_TRUE(rec.ok()) << rec.status();
  EXPECT_EQ(rec->task_id, "job-1/main/0");
  EXPECT_EQ(rec->attempt, 3);
  EXPECT_EQ(rec->task, k->task);
  ASSERT_TRUE(WIFEXITED(rec->wait_status));
  EXPECT_EQ(WEXITSTATUS(rec->wait_status), 3);
  EXPECT_FALSE(rec->killed_for_dead_agent);
  EXPECT_EQ(Slurp(dir_ + "/out"), absl::StrCat("hello\n", dir_, "\n"));
}

TEST_F(TaskKeeperTest, TheTaskIsAGroupInTheKeepersSessionAndInheritsNoDescriptor) {
  // A descriptor of the "agent" without O_CLOEXEC: neither the keeper nor
  // the task may keep it.
  const int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 0);
  absl::StatusOr<KeeperProcess> k = StartKeeper(
      Shell(absl::StrCat("ps -o pid=,pgid=,sid= -p $$; ls /proc/$$/fd; test -e /proc/$$/fd/",
                         leaked, " && echo leaked")));
  ::close(leaked);
  ASSERT_TRUE(k.ok()) << k.status();
  ASSERT_EQ(::waitpid(k->keeper, nullptr, 0), k->keeper);
  const std::string out = Slurp(dir_ + "/out");
  std::istringstream in(out);
  pid_t pid = 0, pgid = 0, sid = 0;
  if (in >> pid >> pgid >> sid) {  // ps may be missing on a minimal machine
    EXPECT_EQ(pid, k->task);
    EXPECT_EQ(pgid, k->task);
    EXPECT_EQ(sid, k->keeper);
  }
  EXPECT_FALSE(absl::StrContains(out, "leaked")) << out;
}

TEST_F(TaskKeeperTest, AProgramThatCannotStartIsAnErrorAndLeavesNoRecord) {
  KeeperSpec s = Shell("");
  s.exe = dir_ + "/no-such-program";
  absl::StatusOr<KeeperProcess> k = StartKeeper(s);
  ASSERT_FALSE(k.ok());
  EXPECT_TRUE(absl::StrContains(k.status().message(), "no-such-program")) << k.status();
  EXPECT_TRUE(absl::StrContains(k.status().message(), "No such file")) << k.status();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/record"));

  s = Shell("true");
  s.workdir = dir_ + "/missing-dir";
  k = StartKeeper(s);
  ASSERT_FALSE(k.ok());
  EXPECT_TRUE(absl::StrContains(k.status().message(), "missing-dir")) << k.status();
}

// The "agent" is a child process that starts a keeper for `script`, says
// the task's pid and waits to be killed.
struct FakeAgent {
  pid_t agent = 0;
  pid_t task = 0;
};

FakeAgent ForkAgent(const KeeperSpec& spec) {
  int pids[2];
  if (::pipe(pids) != 0) return {};
  const pid_t agent = ::fork();
  if (agent == 0) {
    absl::StatusOr<KeeperProcess> k = StartKeeper(spec);
    const pid_t task = k.ok() ? k->task : 0;
    (void)!::write(pids[1], &task, sizeof task);
    for (;;) ::pause();
  }
  ::close(pids[1]);
  pid_t task = 0;
  if (agent < 0 || ::read(pids[0], &task, sizeof task) != sizeof task) task = 0;
  ::close(pids[0]);
  return {agent, task};
}

TEST_F(TaskKeeperTest, WhenTheAgentDiesTheKeeperKillsTheTaskAndSaysSo) {
  const FakeAgent a = ForkAgent(Shell("exec sleep 60"));
  ASSERT_GT(a.task, 0);
  ::kill(a.agent, SIGKILL);
  ::waitpid(a.agent, nullptr, 0);

  ASSERT_TRUE(WaitForRecord(dir_ + "/record"));
  absl::StatusOr<KeeperRecord> rec = ReadKeeperRecord(dir_ + "/record");
  ASSERT_TRUE(rec.ok()) << rec.status();
  EXPECT_EQ(rec->task, a.task);
  EXPECT_TRUE(rec->killed_for_dead_agent);
  EXPECT_TRUE(WIFSIGNALED(rec->wait_status) && WTERMSIG(rec->wait_status) == SIGKILL);
}

// The outcome that used to be lost: the task ends on its own while its
// agent cannot reap it, and the agent dies before it could.
TEST_F(TaskKeeperTest, ATaskThatEndsWhileTheAgentIsGoingDownIsRecordedAsItsOwnExit) {
  const FakeAgent a =
      ForkAgent(Shell(absl::StrCat("while [ ! -e ", dir_, "/go ]; do sleep 0.01; done")));
  ASSERT_GT(a.task, 0);
  // The agent stops (it cannot reap), the task ends 0, then the agent dies.
  ASSERT_EQ(::kill(a.agent, SIGSTOP), 0);
  std::ofstream(dir_ + "/go") << "";
  ASSERT_TRUE(WaitForRecord(dir_ + "/record"));
  ::kill(a.agent, SIGKILL);
  ::waitpid(a.agent, nullptr, 0);
  absl::StatusOr<KeeperRecord> rec = ReadKeeperRecord(dir_ + "/record");
  ASSERT_TRUE(rec.ok()) << rec.status();
  EXPECT_FALSE(rec->killed_for_dead_agent);
  EXPECT_TRUE(WIFEXITED(rec->wait_status) && WEXITSTATUS(rec->wait_status) == 0);
}

TEST_F(TaskKeeperTest, ARecordThatIsNotOneIsAClearError) {
  EXPECT_TRUE(absl::IsNotFound(ReadKeeperRecord(dir_ + "/none").status()));
  std::ofstream(dir_ + "/bad") << "manychip-keeper 1 x y\n";
  absl::Status s = ReadKeeperRecord(dir_ + "/bad").status();
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "not a keeper record")) << s;
  std::ofstream(dir_ + "/other") << "something else\n";
  EXPECT_TRUE(absl::IsInvalidArgument(ReadKeeperRecord(dir_ + "/other").status()));
}

}  // namespace
}  // namespace manychip::internal
