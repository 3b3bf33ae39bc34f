#pragma once

// Gang scheduling, after coscheduling: a task group runs only when at least
// `min_available` of its tasks are reserved; otherwise every reservation of
// the group is undone. `GangPermit` ("gang") is the thin Permit plugin; the
// bookkeeping is the framework's GangTracker (src/framework/gang_tracker.h).
// Thread-safety: scheduler thread only.

#include "absl/time/time.h"
#include "manychip/framework/registry.h"

namespace manychip::plugins {

class GangPermit final : public PermitPlugin {
 public:
  explicit GangPermit(absl::Duration timeout) : timeout_(timeout) {}
  absl::string_view name() const override { return "gang"; }
  // kFit once `reserved` reaches the group's min_available, else kWait.
  Decision Permit(const CycleState& state, int32_t reserved) const override;
  absl::Duration Timeout() const override { return timeout_; }

 private:
  absl::Duration timeout_;
};
static_assert(std::is_base_of_v<PermitPlugin, GangPermit>);

// Args: timeout_seconds (default 0: a gang must be whole within one cycle).
absl::StatusOr<std::unique_ptr<Plugin>> NewGangPermit(const PluginArgs& args,
                                                      const FrameworkHandle& handle);

}  // namespace manychip::plugins
