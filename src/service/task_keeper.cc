#include "src/service/task_keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace manychip::internal {
namespace {

constexpr absl::string_view kRecordMagic = "manychip-keeper 1";

// The fd the keeper keeps its report pipe on once it closed the rest.
constexpr int kReportFd = 3;

// One report on the pipe from the keeper (and the task, before exec) to
// the agent: a tag and a number.
enum Tag : char {
  kTaskPid = 'P',  // value: the task's pid
  kForkFailed = 'F',
  kOpenFailed = 'O',
  kChdirFailed = 'D',
  kExecFailed = 'X',
};

struct Report {
  char tag;
  int32_t value;
} __attribute__((packed));

// ---- async-signal-safe helpers for the code between fork and exec ----

void WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void Send(int fd, Tag tag, int32_t value) {
  const Report r{tag, value};
  WriteAll(fd, reinterpret_cast<const char*>(&r), sizeof r);
}

void WriteInt(int fd, int64_t v) {
  char buf[24];
  int i = sizeof buf;
  const bool neg = v < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  do {
    buf[--i] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (neg) buf[--i] = '-';
  WriteAll(fd, buf + i, sizeof buf - i);
}

void CloseFrom(int first, int limit) {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, 0) == 0) return;
#endif
  for (int fd = first; fd < limit; ++fd) ::close(fd);
}

// Everything the forked code reads, laid out before the fork.
struct Prepared {
  const char* exe;
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* out;
  const char* err;
  const char* workdir;
  const char* record;
  std::string record_tmp;
  std::string record_head;  // "<magic> <attempt> "
  std::string record_tail;  // " <task id>\n"
  pid_t agent = 0;
  int fd_limit = 0;
};

[[noreturn]] void RunTask(const Prepared& p, pid_t keeper) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != keeper) ::_exit(127);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // gRPC ignores SIGPIPE in the agent; an ignored signal survives exec.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &dfl, nullptr);

  const int in = ::open("/dev/null", O_RDONLY);
  const int out = ::open(p.out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err = ::open(p.err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in < 0 || out < 0 || err < 0) {
    Send(kReportFd, kOpenFailed, errno);
    ::_exit(127);
  }
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  CloseFrom(kReportFd + 1, p.fd_limit);
  if (::chdir(p.workdir) != 0) {
    Send(kReportFd, kChdirFailed, errno);
    ::_exit(127);
  }
  // A successful exec closes the pipe: that is the agent's "started".
  ::fcntl(kReportFd, F_SETFD, FD_CLOEXEC);
  ::execve(p.exe, p.argv.data(), p.envp.data());
  Send(kReportFd, kExecFailed, errno);
  ::_exit(127);
}

void WriteRecord(const Prepared& p, pid_t task, int status, bool killed_for_dead_agent) {
  const int fd = ::open(p.record_tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;  // the next agent life calls the task lost
  WriteAll(fd, p.record_head.data(), p.record_head.size());
  WriteInt(fd, task);
  WriteAll(fd, " ", 1);
  WriteInt(fd, status);
  WriteAll(fd, killed_for_dead_agent ? " 1" : " 0", 2);
  WriteAll(fd, p.record_tail.data(), p.record_tail.size());
  ::close(fd);
  ::rename(p.record_tmp.c_str(), p.record);
}

[[noreturn]] void RunKeeper(const Prepared& p, int report_fd) {
  ::setsid();
  // Everything blocked: the keeper takes SIGCHLD and the agent's death
  // signal with sigwaitinfo and ignores the rest (a stop is for the task).
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  ::prctl(PR_SET_PDEATHSIG, SIGUSR1);
  if (report_fd != kReportFd) {
    ::dup2(report_fd, kReportFd);
    ::close(report_fd);
  }
  CloseFrom(kReportFd + 1, p.fd_limit);
  // Nor the agent's stdio: a pipe to whoever reads the agent's log would
  // stay open as long as the task runs.
  if (const int null = ::open("/dev/null", O_RDWR); null >= 0) {
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    if (null > kReportFd) ::close(null);
  }
  if (::getppid() != p.agent) {
    // The agent died before the task could start.
    WriteRecord(p, 0, SIGKILL, true);
    ::_exit(0);
  }
  const pid_t keeper = ::getpid();
  const pid_t task = ::fork();
  if (task < 0) {
    Send(kReportFd, kForkFailed, errno);
    ::_exit(1);
  }
  if (task == 0) RunTask(p, keeper);
  Send(kReportFd, kTaskPid, task);
  ::close(kReportFd);

  sigset_t wake;
  sigemptyset(&wake);
  sigaddset(&wake, SIGCHLD);
  sigaddset(&wake, SIGUSR1);
  bool killed = false;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(task, &status, WNOHANG);
    if (r == task) {
      WriteRecord(p, task, status, killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
      ::_exit(0);
    }
    if (r < 0 && errno != EINTR) ::_exit(1);
    const int sig = ::sigwaitinfo(&wake, nullptr);
    // SIGUSR1 from anyone but the kernel's parent-death notice is ignored:
    // only an agent that is gone makes the keeper kill.
    if (sig == SIGUSR1 && !killed && ::getppid() != p.agent) {
      ::kill(-task, SIGKILL);
      killed = true;
    }
  }
}

std::string Describe(char tag, int32_t err, const KeeperSpec& spec) {
  const std::string why = ::strerror(err);
  switch (tag) {
    case kForkFailed:
      return absl::StrCat("cannot fork the task: ", why);
    case kOpenFailed:
      return absl::StrCat("cannot open the task's output files (", spec.stdout_path, "): ", why);
    case kChdirFailed:
      return absl::StrCat("cannot enter ", spec.workdir, ": ", why);
    default:
      return absl::StrCat("cannot start ", spec.exe, ": ", why);
  }
}

}  // namespace

absl::StatusOr<KeeperProcess> StartKeeper(const KeeperSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("argv is empty");
  Prepared p;
  p.exe = spec.exe.c_str();
  for (const std::string& a : spec.argv) p.argv.push_back(const_cast<char*>(a.c_str()));
  p.argv.push_back(nullptr);
  for (const std::string& e : spec.env) p.envp.push_back(const_cast<char*>(e.c_str()));
  p.envp.push_back(nullptr);
  p.out = spec.stdout_path.c_str();
  p.err = spec.stderr_path.c_str();
  p.workdir = spec.workdir.c_str();
  p.record = spec.record_path.c_str();
  p.record_tmp = spec.record_path + ".tmp";
  p.record_head = absl::StrCat(kRecordMagic, " ", spec.attempt, " ");
  p.record_tail = absl::StrCat(" ", spec.task_id, "\n");
  p.agent = ::getpid();
  struct rlimit rl {};
  p.fd_limit = ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536
                   ? static_cast<int>(rl.rlim_cur)
                   : 65536;

  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", ::strerror(errno)));
  }
  const pid_t keeper = ::fork();
  if (keeper < 0) {
    const int e = errno;
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return absl::ResourceExhaustedError(absl::StrCat("cannot fork a keeper: ", ::strerror(e)));
  }
  if (keeper == 0) {
    ::close(pipefd[0]);
    RunKeeper(p, pipefd[1]);
  }
  ::close(pipefd[1]);
  // Reports until EOF: the keeper closes its end after naming the task;
  // the task's end closes at exec (or after its failure report).
  KeeperProcess out{.keeper = keeper, .task = 0};
  char failed = 0;
  int32_t failure = 0;
  Report r{};
  size_t have = 0;
  for (;;) {
    const ssize_t n = ::read(pipefd[0], reinterpret_cast<char*>(&r) + have, sizeof r - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += static_cast<size_t>(n);
    if (have < sizeof r) continue;
    have = 0;
    if (r.tag == kTaskPid) {
      out.task = r.value;
    } else {
      failed = r.tag;
      failure = r.value;
    }
  }
  ::close(pipefd[0]);
  if (failed == 0 && out.task > 0) return out;
  // It never ran: reap the keeper (it exits right after the task's
  // failure) and drop the record it wrote of the task's exit 127.
  int status = 0;
  while (::waitpid(keeper, &status, 0) < 0 && errno == EINTR) {
  }
  ::unlink(spec.record_path.c_str());
  if (failed == 0) return absl::InternalError("the keeper ended before it started the task");
  return absl::FailedPreconditionError(Describe(failed, failure, spec));
}

absl::StatusOr<KeeperRecord> ReadKeeperRecord(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": no keeper record"));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  absl::string_view line = absl::StripSuffix(text, "\n");
  const auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a keeper record (", why, ")"));
  };
  if (!absl::ConsumePrefix(&line, kRecordMagic) || !absl::ConsumePrefix(&line, " ")) {
    return bad("header");
  }
  std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits(' ', 4));
  KeeperRecord rec;
  int64_t task = 0;
  int killed = 0;
  if (f.size() != 5 || !absl::SimpleAtoi(f[0], &rec.attempt) || !absl::SimpleAtoi(f[1], &task) ||
      !absl::SimpleAtoi(f[2], &rec.wait_status) || !absl::SimpleAtoi(f[3], &killed) ||
      f[4].empty()) {
    return bad("fields");
  }
  rec.task = static_cast<pid_t>(task);
  rec.killed_for_dead_agent = killed != 0;
  rec.task_id = std::string(f[4]);
  return rec;
}

}  // namespace manychip::internal
