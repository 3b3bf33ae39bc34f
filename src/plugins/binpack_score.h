#pragma once

// Score "binpack": prefer the node that is fullest after the placement, so
// whole nodes stay free for large gangs. Device tasks are judged by device
// share used (milli over all healthy devices), CPU-only tasks by CPU.

#include "manychip/framework/registry.h"

namespace manychip::plugins {

class BinpackScore final : public ScorePlugin {
 public:
  absl::string_view name() const override { return "binpack"; }
  int64_t Score(CycleState& state, const NodeView& node) const override;
};
static_assert(std::is_base_of_v<ScorePlugin, BinpackScore>);

absl::StatusOr<std::unique_ptr<Plugin>> NewBinpackScore(const PluginArgs& args,
                                                        const FrameworkHandle& handle);

}  // namespace manychip::plugins
