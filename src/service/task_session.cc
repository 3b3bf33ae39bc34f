#include "src/service/task_session.h"

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace manychip::internal {
namespace {

// The session id from /proc/<pid>/stat: the 4th field after the ")" that
// closes the command name (which may itself contain spaces and parens).
bool SessionOf(const std::string& stat, pid_t* sid) {
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return false;
  std::vector<absl::string_view> f =
      absl::StrSplit(absl::string_view(stat).substr(close + 1), ' ', absl::SkipEmpty());
  // f[0] state, f[1] ppid, f[2] pgrp, f[3] session
  int64_t v = 0;
  if (f.size() < 4 || !absl::SimpleAtoi(f[3], &v)) return false;
  *sid = static_cast<pid_t>(v);
  return true;
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<pid_t> TaskSessionMembers(pid_t sid, absl::string_view task_id,
                                      absl::string_view proc_root) {
  std::vector<pid_t> out;
  if (sid <= 1) return out;
  const std::string want = absl::StrCat(kTaskMarkerEnv, "=", task_id);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(proc_root), ec)) {
    int64_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid) || pid <= 1) continue;
    pid_t session = 0;
    if (!SessionOf(ReadAll(entry.path() / "stat"), &session) || session != sid) continue;
    // The environment is NUL-separated.
    const std::string env = ReadAll(entry.path() / "environ");
    bool marked = false;
    for (absl::string_view kv : absl::StrSplit(env, '\0')) marked |= kv == want;
    if (marked) out.push_back(static_cast<pid_t>(pid));
  }
  std::sort(out.begin(), out.end());
  return out;
}

int SignalTaskSession(pid_t sid, absl::string_view task_id, int sig) {
  int n = 0;
  for (pid_t p : TaskSessionMembers(sid, task_id)) n += ::kill(p, sig) == 0;
  return n;
}

}  // namespace manychip::internal
