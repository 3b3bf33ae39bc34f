#include "manychip/service/leader_targets.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace manychip {

absl::StatusOr<LeaderTargets> LeaderTargets::Parse(absl::string_view list) {
  LeaderTargets t;
  int i = 0;
  for (absl::string_view part : absl::StrSplit(list, ',')) {
    absl::string_view a = absl::StripAsciiWhitespace(part);
    if (a.empty() || a.rfind(':') == absl::string_view::npos || a.back() == ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("--server: entry ", i, " \"", part, "\": must be HOST:PORT (list: A,B,C)"));
    }
    t.list_.emplace_back(a);
    ++i;
  }
  t.current_ = t.list_.front();
  t.next_ = t.list_.size() > 1 ? 1 : 0;
  return t;
}

void LeaderTargets::Failed(absl::string_view leader_hint) {
  if (!leader_hint.empty() && leader_hint != current_) {
    current_ = std::string(leader_hint);
    return;
  }
  current_ = list_[next_];
  next_ = (next_ + 1) % list_.size();
}

std::string LeaderHint(const grpc::ClientContext& ctx) {
  const auto& md = ctx.GetServerTrailingMetadata();
  auto it = md.find(kLeaderMetadataKey);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace manychip
