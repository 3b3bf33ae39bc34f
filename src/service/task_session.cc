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

// The process group and session ids from /proc/<pid>/stat: the 3rd and
// 4th fields after the ")" that closes the command name (which may itself
// contain spaces and parens).
bool GroupAndSessionOf(const std::string& stat, pid_t* pgrp, pid_t* sid) {
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return false;
  std::vector<absl::string_view> f =
      absl::StrSplit(absl::string_view(stat).substr(close + 1), ' ', absl::SkipEmpty());
  // f[0] state, f[1] ppid, f[2] pgrp, f[3] session
  int64_t g = 0;
  int64_t v = 0;
  if (f.size() < 4 || !absl::SimpleAtoi(f[2], &g) || !absl::SimpleAtoi(f[3], &v)) return false;
  *pgrp = static_cast<pid_t>(g);
  *sid = static_cast<pid_t>(v);
  return true;
}

struct Member {
  pid_t pid;
  pid_t pgrp;
};

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<Member> MarkedMembers(pid_t sid, absl::string_view task_id,
                                  absl::string_view proc_root) {
  std::vector<Member> out;
  if (sid <= 1) return out;
  const std::string want = absl::StrCat(kTaskMarkerEnv, "=", task_id);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(proc_root), ec)) {
    int64_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid) || pid <= 1) continue;
    pid_t pgrp = 0;
    pid_t session = 0;
    if (!GroupAndSessionOf(ReadAll(entry.path() / "stat"), &pgrp, &session) || session != sid) {
      continue;
    }
    // The environment is NUL-separated.
    const std::string env = ReadAll(entry.path() / "environ");
    bool marked = false;
    for (absl::string_view kv : absl::StrSplit(env, '\0')) marked |= kv == want;
    if (marked) out.push_back({static_cast<pid_t>(pid), pgrp});
  }
  std::sort(out.begin(), out.end(), [](const Member& a, const Member& b) { return a.pid < b.pid; });
  return out;
}

}  // namespace

std::vector<pid_t> TaskSessionMembers(pid_t sid, absl::string_view task_id,
                                      absl::string_view proc_root) {
  std::vector<pid_t> out;
  for (const Member& m : MarkedMembers(sid, task_id, proc_root)) out.push_back(m.pid);
  return out;
}

std::vector<pid_t> TaskSignalTargets(pid_t sid, pid_t group, absl::string_view task_id,
                                     absl::string_view proc_root) {
  std::vector<pid_t> out;
  if (sid <= 1 || group <= 1) return out;
  out.push_back(-group);
  for (const Member& m : MarkedMembers(sid, task_id, proc_root)) {
    if (m.pgrp != group) out.push_back(m.pid);
  }
  return out;
}

int SignalTaskSession(pid_t sid, absl::string_view task_id, int sig) {
  int n = 0;
  for (pid_t p : TaskSessionMembers(sid, task_id)) n += ::kill(p, sig) == 0;
  return n;
}

}  // namespace manychip::internal
