#pragma once

// QueueOrder "fair_share": tenant fair share (DRF) over the QueueSort order.
// Within each run of equal priority, tenants take turns: a tenant below its
// guarantee goes first, then the one with the lowest weighted dominant share
// (TenantLedger::DominantSharePpm), ties by tenant name; each tenant's jobs
// keep their QueueSort order. Shares are read at every pick, so what one
// attempt commits counts for the next pick in the same cycle.
//
// Without this plugin in the profile, jobs are tried in QueueSort order.
// Thread-safety: scheduler thread only.

#include <memory>

#include "manychip/framework/policy.h"
#include "manychip/framework/registry.h"
#include "src/core/policy_state.h"

namespace manychip::plugins {

class FairShareOrder final : public QueueOrderPlugin, public internal::ReadsSchedulerState {
 public:
  absl::string_view name() const override { return "fair_share"; }
  void AttachState(const internal::JobTable& jobs, const internal::TenantLedger& tenants) override {
    tenants_ = &tenants;
  }
  // Needs AttachState first.
  std::unique_ptr<QueueCursor> Order(absl::Span<const QueuedJobInfo> queue) const override;

 private:
  const internal::TenantLedger* tenants_ = nullptr;
};
static_assert(std::is_base_of_v<QueueOrderPlugin, FairShareOrder>);

// No args.
absl::StatusOr<std::unique_ptr<Plugin>> NewFairShareOrder(const PluginArgs& args,
                                                          const FrameworkHandle& handle);

}  // namespace manychip::plugins
