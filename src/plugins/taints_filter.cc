#include "src/plugins/taints_filter.h"

#include "absl/strings/str_cat.h"

namespace manychip::plugins {

bool Tolerates(const JobSpec& job, const TaintSpec& taint) {
  for (const TolerationSpec& t : job.tolerations) {
    if (t.key == taint.key && (t.value.empty() || t.value == taint.value)) return true;
  }
  return false;
}

Decision TaintsFilter::Filter(CycleState& state, const NodeView& node) const {
  if (!node.ready()) return Decision::Unschedulable(RejectReason::kNodeNotReady);
  if (!node.schedulable()) return Decision::Unschedulable(RejectReason::kNodeUnschedulable);
  for (const TaintSpec& t : node.spec().taints) {
    if (!t.prefer_no_schedule && !Tolerates(state.job(), t)) {
      return Decision::Unresolvable(RejectReason::kTaint, absl::StrCat(t.key, "=", t.value));
    }
  }
  return Decision::Fit();
}

int64_t TaintsFilter::Score(CycleState& state, const NodeView& node) const {
  for (const TaintSpec& t : node.spec().taints) {
    if (t.prefer_no_schedule && !Tolerates(state.job(), t)) return 0;
  }
  return 100;
}

absl::StatusOr<std::unique_ptr<Plugin>> NewTaintsFilter(const PluginArgs& args,
                                                        const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new TaintsFilter());
}

}  // namespace manychip::plugins
