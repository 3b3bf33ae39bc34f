#include "src/plugins/stack_filter.h"

#include "absl/strings/str_cat.h"
#include "src/plugins/plugin_util.h"

namespace manychip::plugins {

Decision StackFilter::PreFilter(CycleState& state) const {
  return state.flavor().required_stacks.empty() ? Decision::Skip() : Decision::Fit();
}

Decision StackFilter::Filter(CycleState& state, const NodeView& node) const {
  const DeviceAdapter* adapter = AdapterForNode(handle_, node);
  for (const StackRequirementSpec& req : state.flavor().required_stacks) {
    if (adapter != nullptr) {
      absl::Status s = adapter->CheckStack(node.spec(), req.name, req.min_version);
      if (!s.ok()) {
        return Decision::Unresolvable(RejectReason::kStackMissing, std::string(s.message()));
      }
      continue;
    }
    auto it = node.spec().software.find(req.name);
    if (it == node.spec().software.end()) {
      return Decision::Unresolvable(RejectReason::kStackMissing,
                                    absl::StrCat(req.name, " not installed"));
    }
    absl::StatusOr<int> cmp = CompareDottedVersions(it->second, req.min_version);
    if (!cmp.ok() || *cmp < 0) {
      return Decision::Unresolvable(
          RejectReason::kStackMissing,
          absl::StrCat(req.name, " ", it->second, " < ", req.min_version));
    }
  }
  return Decision::Fit();
}

absl::StatusOr<std::unique_ptr<Plugin>> NewStackFilter(const PluginArgs& args,
                                                       const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new StackFilter(handle));
}

}  // namespace manychip::plugins
