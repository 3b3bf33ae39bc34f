#include "adapters/common/tool_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "manychip/codec/json.h"

namespace manychip {
namespace {

std::string FindInPath(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return access(program.c_str(), X_OK) == 0 ? program : "";
  }
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/", program);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

}  // namespace

std::string RecordedToolName(const ToolCall& call) {
  std::string name = call.program;
  if (size_t slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
  absl::string_view ext = ".txt";
  for (absl::string_view arg : call.args) {
    if (arg == "--format=csv") {
      ext = ".csv";
      continue;
    }
    while (absl::ConsumePrefix(&arg, "-")) {
    }
    arg = arg.substr(0, arg.find('='));
    if (!arg.empty()) absl::StrAppend(&name, "_", arg);
  }
  return absl::StrCat(name, ext);
}

std::string HostPath(const DiscoverOptions& options, absl::string_view abs_path) {
  absl::string_view root = options.host_root;
  while (absl::ConsumeSuffix(&root, "/")) {
  }
  while (absl::ConsumePrefix(&abs_path, "/")) {
  }
  return absl::StrCat(root, "/", abs_path);
}

absl::StatusOr<std::string> RunTool(const DiscoverOptions& options, const ToolCall& call) {
  if (!options.tool_output_dir.empty()) {
    return codec::ReadFile(absl::StrCat(options.tool_output_dir, "/", RecordedToolName(call)));
  }
  const std::string exe = FindInPath(call.program);
  const std::string what = absl::StrCat(call.program, " ", absl::StrJoin(call.args, " "));
  if (exe.empty()) return absl::NotFoundError(absl::StrCat(call.program, ": not installed"));

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::UnavailableError(absl::StrCat(what, ": pipe: ", std::strerror(errno)));
  }
  std::vector<std::string> argv_store = {exe};
  argv_store.insert(argv_store.end(), call.args.begin(), call.args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return absl::UnavailableError(absl::StrCat(what, ": fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    dup2(fds[1], STDOUT_FILENO);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, STDIN_FILENO);
      dup2(devnull, STDERR_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(call.timeout_ms);
  bool timed_out = false;
  char buf[8192];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      timed_out = r == 0;
      break;
    }
    ssize_t got = read(fds[0], buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    out.append(buf, static_cast<size_t>(got));
    if (out.size() > (16u << 20)) {  // a runaway tool; its output is not an inventory
      timed_out = true;
      break;
    }
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return absl::UnavailableError(absl::StrCat(what, ": timed out after ", call.timeout_ms, " ms"));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::UnavailableError(
        absl::StrCat(what, ": exited with ", WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  }
  return out;
}

}  // namespace manychip
