#pragma once

// Filter "stack": every stack the flavor requires (driver, CUDA, CANN, XRE)
// is present on the node at the minimum version. With a vendor adapter the
// adapter's CheckStack decides (it knows e.g. that CUDA 12.4 needs driver
// >= 525); without one, the node's `software` map must carry the stack at a
// dotted version >= the minimum.

#include "manychip/framework/registry.h"

namespace manychip::plugins {

class StackFilter final : public PreFilterPlugin, public FilterPlugin {
 public:
  explicit StackFilter(FrameworkHandle handle) : handle_(handle) {}
  absl::string_view name() const override { return "stack"; }
  // kSkip when the flavor requires no stack.
  Decision PreFilter(CycleState& state) const override;
  Decision Filter(CycleState& state, const NodeView& node) const override;

 private:
  FrameworkHandle handle_;
};
static_assert(std::is_base_of_v<FilterPlugin, StackFilter>);

absl::StatusOr<std::unique_ptr<Plugin>> NewStackFilter(const PluginArgs& args,
                                                       const FrameworkHandle& handle);

}  // namespace manychip::plugins
