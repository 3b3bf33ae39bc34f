// Why a job waits: per-node reason counts for each flavor, shared by a
// failed attempt's summary and Explain so the two agree.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "src/core/framework_scheduler.h"

namespace manychip::internal {

std::string SummarizeFlavors(const std::vector<FlavorExplanation>& flavors,
                             bool* capacity_blocked) {
  std::string summary;
  for (const FlavorExplanation& ex : flavors) {
    if (!summary.empty()) absl::StrAppend(&summary, "; ");
    absl::StrAppend(&summary, ex.flavor_name.empty() ? "flavor" : ex.flavor_name, ": ");
    if (ex.outcome == RejectReason::kQuotaExceeded ||
        ex.outcome == RejectReason::kBackfillBlocked) {
      absl::StrAppend(&summary, RejectReasonName(ex.outcome), " ", ex.detail);
    } else {
      if (capacity_blocked != nullptr) *capacity_blocked = true;
      absl::StrAppend(&summary, FormatReasonCounts(ex));
      if (ex.outcome != RejectReason::kNone) {
        absl::StrAppend(&summary, " (", RejectReasonName(ex.outcome), " ", ex.detail, ")");
      }
    }
  }
  return summary;
}

std::string FrameworkScheduler::RejectSummary(const JobRecord& j) const {
  // Only a summary still ending in the attempt's own counts is recounted;
  // any later status (preempted, gang timed out...) is shown as is.
  const std::string& stale = j.index_summary;
  if (stale.empty() || j.last_reject.size() < stale.size() ||
      j.last_reject.compare(j.last_reject.size() - stale.size(), stale.size(), stale) != 0) {
    return j.last_reject;
  }
  if (!j.recounted_summary.empty()) return j.recounted_summary;
  std::vector<FlavorExplanation> flavors = j.last_flavors;
  auto* self = const_cast<FrameworkScheduler*>(this);  // prefilters memoize; no job state changes
  for (FlavorExplanation& ex : flavors) {
    if (ex.outcome == RejectReason::kPluginError || !ex.by_plugin.contains("capacity_index")) {
      continue;
    }
    self->runtime_.CountReasons(j.spec, ex.group, ex.flavor, ex);
  }
  j.recounted_summary = j.last_reject.substr(0, j.last_reject.size() - stale.size()) +
                        SummarizeFlavors(flavors, nullptr);
  return j.recounted_summary;
}

absl::StatusOr<Explanation> FrameworkScheduler::Explain(absl::string_view job_id) const {
  const JobRecord* found = jobs_.Find(job_id);
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat("job '", job_id, "' not found"));
  }
  const JobRecord& j = *found;
  Explanation e;
  e.job_id = j.spec.id;
  e.state = std::string(JobStateName(j.state));
  if (j.state != JobState::kPending) {
    e.summary = j.state == JobState::kRunning ? "placed" : "finished";
    if (!j.displaced.empty()) absl::StrAppend(&e.summary, "; preempted ", j.displaced);
    return e;
  }
  e.summary = j.last_reject.empty() ? "not yet tried" : RejectSummary(j);
  auto* self = const_cast<FrameworkScheduler*>(this);  // prefilters memoize; no job state changes
  for (int32_t g = 0; g < static_cast<int32_t>(j.spec.task_groups.size()); ++g) {
    const TaskGroupSpec& group = j.spec.task_groups[g];
    for (int32_t f = 0; f < static_cast<int32_t>(group.flavors.size()); ++f) {
      FlavorExplanation ex;
      ex.group = g;
      ex.group_name = group.name;
      ex.flavor = f;
      ex.flavor_name = group.flavors[f].name;
      for (const FlavorExplanation& last : j.last_flavors) {
        if (last.group == g && last.flavor == f) {
          ex.outcome = last.outcome;
          ex.detail = last.detail;
          ex.choice_score = last.choice_score;
        }
      }
      self->runtime_.CountReasons(j.spec, g, f, ex);
      e.flavors.push_back(std::move(ex));
    }
  }
  return e;
}

}  // namespace manychip::internal
