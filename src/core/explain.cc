#include "manychip/core/explain.h"

#include "absl/strings/str_cat.h"

namespace manychip {

std::string FormatReasonCounts(const FlavorExplanation& f) {
  std::string out = absl::StrCat(f.nodes_feasible, "/", f.nodes_total, " nodes");
  const char* sep = ": ";
  for (const auto& [reason, count] : f.reasons) {
    absl::StrAppend(&out, sep, count, " ", RejectReasonName(reason));
    sep = ", ";
  }
  return out;
}

std::string Explanation::ToString() const {
  std::string out = absl::StrCat("job ", job_id, " ", state);
  if (!summary.empty()) absl::StrAppend(&out, ": ", summary);
  absl::StrAppend(&out, "\n");
  for (const FlavorExplanation& f : flavors) {
    absl::StrAppend(&out, "  group ", f.group_name, " flavor ", f.flavor_name, ": ",
                    FormatReasonCounts(f));
    if (!f.by_plugin.empty()) {
      absl::StrAppend(&out, " (rejected by");
      for (const auto& [plugin, count] : f.by_plugin)
        absl::StrAppend(&out, " ", plugin, "=", count);
      absl::StrAppend(&out, ")");
    }
    if (f.outcome != RejectReason::kNone) {
      absl::StrAppend(&out, "; outcome: ", RejectReasonName(f.outcome));
    }
    if (!f.detail.empty()) absl::StrAppend(&out, " (", f.detail, ")");
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace manychip
