#pragma once

// Backfill "backfill": EASY backfill. The first job of a cycle blocked for
// capacity that needs devices reserves its need at the earliest time running
// work frees it (the shadow time: each running job frees its cards at
// started + duration; one without a duration never does, for planning).
// Later jobs of the cycle take cards of the reserved models now only if they
// end before the shadow time or fit in what is left beyond the reserved
// need. While a job reserves, the cycle does not preempt.
//
// Without this plugin in the profile, a blocked job reserves nothing and
// every later job is tried as if it were first.
// Thread-safety: scheduler thread only; the reservation lives one cycle.

#include <memory>
#include <vector>

#include "manychip/framework/policy.h"
#include "manychip/framework/registry.h"
#include "src/core/policy_state.h"

namespace manychip::plugins {

class EasyBackfill final : public BackfillPlugin, public internal::ReadsSchedulerState {
 public:
  EasyBackfill(const ClusterState* cluster, const Clock* clock)
      : cluster_(cluster), clock_(clock) {}
  absl::string_view name() const override { return "backfill"; }
  void AttachState(const internal::JobTable& jobs, const internal::TenantLedger& tenants) override {
    jobs_ = &jobs;
  }
  // Blocked needs AttachState first.
  void BeginCycle() override { reservation_ = Reservation{}; }
  void Blocked(const JobSpec& job) override;
  bool Reserving() const override { return reservation_.active; }
  bool Allows(const JobSpec& job, absl::Span<const int32_t> models, int64_t milli) const override;

 private:
  struct Reservation {
    bool active = false;
    std::vector<int32_t> models;  // sorted
    absl::Time shadow = absl::InfiniteFuture();
    int64_t extra_milli = 0;  // capacity left at the shadow time beyond the need
  };

  const ClusterState* cluster_;
  const Clock* clock_;
  const internal::JobTable* jobs_ = nullptr;
  Reservation reservation_;
};
static_assert(std::is_base_of_v<BackfillPlugin, EasyBackfill>);

// No args. InvalidArgument when the handle has no cluster or clock.
absl::StatusOr<std::unique_ptr<Plugin>> NewEasyBackfill(const PluginArgs& args,
                                                        const FrameworkHandle& handle);

}  // namespace manychip::plugins
