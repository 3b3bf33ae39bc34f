#include "src/service/task_session.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "src/service/task_runner.h"

namespace manychip::internal {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/mc-session-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteProc(const std::string& root, int pid, const std::string& stat,
               const std::string& environ) {
  const std::string dir = absl::StrCat(root, "/", pid);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/stat") << stat;
  std::ofstream(dir + "/environ", std::ios::binary) << environ;
}

TEST(TaskSessionTest, MatchesSessionAndMarkerFromProcFiles) {
  TempDir proc;
  using namespace std::string_literals;
  // A command name with spaces and parens must not shift the fields.
  WriteProc(proc.path(), 100, "100 (sh) S 1 100 100 0 -1", "MANYCHIP_TASK_ID=job-1/main/0\0A=1\0"s);
  WriteProc(proc.path(), 101, "101 (we ) ird) S 100 101 100 0 -1",
            "A=1\0MANYCHIP_TASK_ID=job-1/main/0\0"s);
  // Same session, another task's marker (a recycled session id).
  WriteProc(proc.path(), 102, "102 (x) S 1 102 100 0 -1", "MANYCHIP_TASK_ID=job-2/main/0\0"s);
  // Right marker, other session.
  WriteProc(proc.path(), 103, "103 (x) S 1 103 103 0 -1", "MANYCHIP_TASK_ID=job-1/main/0\0"s);
  // A marker that is only a prefix match.
  WriteProc(proc.path(), 104, "104 (x) S 1 104 100 0 -1", "MANYCHIP_TASK_ID=job-1/main/00\0"s);
  // Unreadable/garbled stat.
  WriteProc(proc.path(), 105, "garbage", "MANYCHIP_TASK_ID=job-1/main/0\0"s);
  std::filesystem::create_directories(proc.path() + "/self");

  EXPECT_EQ(TaskSessionMembers(100, "job-1/main/0", proc.path()), (std::vector<pid_t>{100, 101}));
  EXPECT_TRUE(TaskSessionMembers(100, "job-3/main/0", proc.path()).empty());
  EXPECT_TRUE(TaskSessionMembers(1, "job-1/main/0", proc.path()).empty());
}

TEST(TaskSessionTest, SignalTargetsNameEachProcessOnce) {
  TempDir proc;
  using namespace std::string_literals;
  // Session 99 (the keeper, unmarked): the task's main process 100 (its
  // own group), a child that stayed in that group, a child that moved to a
  // group of its own, and an unmarked stranger that moved too.
  WriteProc(proc.path(), 99, "99 (keeper) S 1 99 99 0 -1", "A=1\0"s);
  WriteProc(proc.path(), 100, "100 (sh) S 99 100 99 0 -1", "MANYCHIP_TASK_ID=job-1/main/0\0"s);
  WriteProc(proc.path(), 101, "101 (sleep) S 100 100 99 0 -1", "MANYCHIP_TASK_ID=job-1/main/0\0"s);
  WriteProc(proc.path(), 107, "107 (worker) S 100 107 99 0 -1", "MANYCHIP_TASK_ID=job-1/main/0\0"s);
  WriteProc(proc.path(), 108, "108 (x) S 100 108 99 0 -1", "A=1\0"s);

  // The group once (the main process and 101 are in it), 107 on its own:
  // a signal per process, never a second one to the main process, and
  // none to the keeper.
  EXPECT_EQ(TaskSignalTargets(99, 100, "job-1/main/0", proc.path()),
            (std::vector<pid_t>{-100, 107}));
  EXPECT_TRUE(TaskSignalTargets(1, 100, "job-1/main/0", proc.path()).empty());
}

// A leftover of a "previous agent": a process in a session of its own with
// the task marker, named by a pid file in the workdir.
pid_t SpawnLeftover(const std::string& task_id, bool marked) {
  const pid_t pid = fork();
  if (pid == 0) {
    setsid();
    const std::string env = absl::StrCat(kTaskMarkerEnv, "=", task_id);
    char* envp[] = {marked ? const_cast<char*>(env.c_str()) : nullptr, nullptr};
    execle("/bin/sleep", "sleep", "30", nullptr, envp);
    _exit(127);
  }
  return pid;
}

bool Exited(pid_t pid) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    // The runner's SIGCHLD loop may have reaped it already (ECHILD).
    const pid_t r = waitpid(pid, nullptr, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

TEST(TaskSessionTest, NewRunnerKillsWhatThePreviousAgentLeftAndSparesStrangers) {
  TempDir work;
  std::filesystem::create_directories(work.path() + "/tasks");
  const pid_t left = SpawnLeftover("job-1/main/0", true);
  const pid_t stranger = SpawnLeftover("job-2/main/0", false);  // no marker
  ASSERT_GT(left, 0);
  ASSERT_GT(stranger, 0);
  absl::SleepFor(absl::Milliseconds(100));  // exec done
  EXPECT_EQ(TaskSessionMembers(left, "job-1/main/0"), std::vector<pid_t>{left});
  std::ofstream(work.path() + "/tasks/job-1_main_0.1.pid") << left << " 1 job-1/main/0\n";
  std::ofstream(work.path() + "/tasks/job-2_main_0.1.pid") << stranger << " 1 job-2/main/0\n";
  {
    TaskRunner runner(work.path(), [](const v1::TaskEvent&) {});
  }
  EXPECT_TRUE(Exited(left)) << "the leftover task process survived";
  EXPECT_EQ(waitpid(stranger, nullptr, WNOHANG), 0) << "an unmarked process was killed";
  EXPECT_FALSE(std::filesystem::exists(work.path() + "/tasks/job-1_main_0.1.pid"));
  EXPECT_FALSE(std::filesystem::exists(work.path() + "/tasks/job-2_main_0.1.pid"));
  kill(stranger, SIGKILL);
  EXPECT_TRUE(Exited(stranger));
}

}  // namespace
}  // namespace manychip::internal
