#include "src/plugins/arch_filter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace manychip::plugins {

Decision ArchFilter::Filter(CycleState& state, const NodeView& node) const {
  const Arch arch = node.spec().arch;
  const auto& accepted = state.job().accepted_arches;
  if (!accepted.empty() && std::find(accepted.begin(), accepted.end(), arch) == accepted.end()) {
    return Decision::Unresolvable(RejectReason::kArchMismatch,
                                  absl::StrCat(ArchName(arch), " not accepted"));
  }
  const auto& images = state.flavor().images;
  if (!images.empty() && std::none_of(images.begin(), images.end(),
                                      [arch](const ImageSpec& i) { return i.arch == arch; })) {
    return Decision::Unresolvable(RejectReason::kArchMismatch,
                                  absl::StrCat(ArchName(arch), " image missing"));
  }
  return Decision::Fit();
}

absl::StatusOr<std::unique_ptr<Plugin>> NewArchFilter(const PluginArgs& args,
                                                      const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new ArchFilter());
}

}  // namespace manychip::plugins
