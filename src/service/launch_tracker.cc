#include "src/service/launch_tracker.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace manychip::internal {

void LaunchTracker::Sent(const std::string& task_id, absl::Time now) {
  unacked_[task_id] = {.sent = now, .sends = 1};
}

bool LaunchTracker::Forget(const std::string& task_id) { return unacked_.erase(task_id) > 0; }

void LaunchTracker::ForgetJob(const std::string& job_id) {
  const std::string prefix = absl::StrCat(job_id, "/");
  std::erase_if(unacked_, [&](const auto& kv) { return absl::StartsWith(kv.first, prefix); });
}

LaunchTracker::Overdue LaunchTracker::Poll(absl::Time now,
                                           absl::FunctionRef<TaskState(const std::string&)> state) {
  Overdue out;
  for (auto it = unacked_.begin(); it != unacked_.end();) {
    const std::string& tid = it->first;
    Unacked& u = it->second;
    const TaskState s = state(tid);
    if (s == TaskState::kGone) {
      it = unacked_.erase(it);
      continue;
    }
    if (s == TaskState::kUnsendable || now - u.sent < options_.ack_timeout) {
      ++it;
      continue;
    }
    if (u.sends >= options_.max_sends) {
      out.give_up.push_back(tid);
    } else {
      ++u.sends;
      u.sent = now;
      out.resend.push_back({.task_id = tid, .send = u.sends});
    }
    ++it;
  }
  return out;
}

std::optional<std::string> LaunchTracker::Hold(const std::string& node, absl::Time now) {
  if (quarantine_ == nullptr || options_.failure_hold <= absl::ZeroDuration()) return std::nullopt;
  std::string reason =
      absl::StrCat("did not acknowledge a launch after ", options_.max_sends, " sends");
  quarantine_->HoldNode(node, now + options_.failure_hold, reason);
  return reason;
}

bool LaunchTracker::Release(const std::string& node) {
  return quarantine_ != nullptr && quarantine_->ReleaseNode(node);
}

std::vector<std::string> LaunchTracker::ExpireHolds(absl::Time now) {
  if (quarantine_ == nullptr) return {};
  return quarantine_->ExpireHolds(now);
}

}  // namespace manychip::internal
