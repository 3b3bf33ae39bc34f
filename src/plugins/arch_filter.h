#pragma once

// Filter "arch": the node's host architecture must be one the job accepts
// (JobSpec::accepted_arches; empty = any) and, when the flavor lists images,
// one of them must be built for that arch. Arch values are already
// normalized (amd64 = x86_64, arm64 = aarch64) by ParseArch at the edge.
// A mismatch is unresolvable: preemption cannot change a host's CPU.

#include "manychip/framework/registry.h"

namespace manychip::plugins {

class ArchFilter final : public FilterPlugin {
 public:
  absl::string_view name() const override { return "arch"; }
  Decision Filter(CycleState& state, const NodeView& node) const override;
};
static_assert(std::is_base_of_v<FilterPlugin, ArchFilter>);

absl::StatusOr<std::unique_ptr<Plugin>> NewArchFilter(const PluginArgs& args,
                                                      const FrameworkHandle& handle);

}  // namespace manychip::plugins
