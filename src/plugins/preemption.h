#pragma once

// PostFilter "preemption": when a task fits nowhere, finds the node where
// stopping the smallest set of lower-priority, preemptible jobs lets it fit.
// Victims are whole jobs (a gang is preempted whole or not at all), chosen
// lowest priority first, newest first; a reprieve pass then drops victims
// that turn out unnecessary. Among nodes, fewest victim jobs wins, then the lowest
// highest victim priority, then the least device share stopped, then the
// lowest node index.
//
// The node must pass the arch, taints and stack checks and carry an accepted
// model; capacity is judged against what the victims free on that node.
// Thread-safety: scheduler thread only.

#include "manychip/framework/registry.h"
#include "src/plugins/arch_filter.h"
#include "src/plugins/stack_filter.h"
#include "src/plugins/taints_filter.h"

namespace manychip::plugins {

class Preemption final : public PostFilterPlugin {
 public:
  explicit Preemption(FrameworkHandle handle) : handle_(handle), stack_(handle) {}
  absl::string_view name() const override { return "preemption"; }
  absl::StatusOr<PreemptionPlan> PostFilter(CycleState& state) const override;

 private:
  FrameworkHandle handle_;
  ArchFilter arch_;
  TaintsFilter taints_;
  StackFilter stack_;
};
static_assert(std::is_base_of_v<PostFilterPlugin, Preemption>);

absl::StatusOr<std::unique_ptr<Plugin>> NewPreemption(const PluginArgs& args,
                                                      const FrameworkHandle& handle);

}  // namespace manychip::plugins
