#pragma once

// Score "throughput": heterogeneity-aware, after Gavel. A job's speed on a
// device model is the model's normalized units for the job's kind
// (`CardUnits`, normalized_units.h; training: from peak BF16; inference:
// decode bound by memory bandwidth). A node scores its model's speed relative
// to the fastest model the flavor accepts, so a multi-model flavor lands on
// the card where the job gains most. A single-model or CPU-only flavor skips:
// every node would score the same.

#include "manychip/framework/registry.h"

namespace manychip::plugins {

class ThroughputScore final : public PreScorePlugin, public ScorePlugin {
 public:
  explicit ThroughputScore(FrameworkHandle handle) : handle_(handle) {}
  absl::string_view name() const override { return "throughput"; }
  // Finds the flavor's best model factor once per task (kSkip when every
  // node would score the same: CPU-only or a single model).
  Decision PreScore(CycleState& state, absl::Span<const NodeIndex> feasible) const override;
  int64_t Score(CycleState& state, const NodeView& node) const override;

 private:
  FrameworkHandle handle_;
  // Set by PreScore for the task being scored (scheduler thread only).
  mutable int64_t best_ = 0;
};
static_assert(std::is_base_of_v<PreScorePlugin, ThroughputScore>);
static_assert(std::is_base_of_v<ScorePlugin, ThroughputScore>);

absl::StatusOr<std::unique_ptr<Plugin>> NewThroughputScore(const PluginArgs& args,
                                                           const FrameworkHandle& handle);

}  // namespace manychip::plugins
