#pragma once

// Admit "quota": a tenant's max quota (TenantQuotaSpec::max). An attempt is
// admitted when the tenant's running usage, plus every gang hold of the
// tenant but the job's own, plus what the attempt adds stays within every
// max key the attempt charges. A refusal is kUnschedulable with
// kQuotaExceeded and the detail "max <key>".
//
// Without this plugin in the profile, max quotas are not enforced (they are
// still accounted, and guarantees still order tenants under "fair_share").
// Thread-safety: scheduler thread only.

#include <memory>

#include "manychip/framework/policy.h"
#include "manychip/framework/registry.h"
#include "src/core/policy_state.h"

namespace manychip::plugins {

class QuotaAdmit final : public AdmitPlugin, public internal::ReadsSchedulerState {
 public:
  absl::string_view name() const override { return "quota"; }
  void AttachState(const internal::JobTable& jobs, const internal::TenantLedger& tenants) override {
    tenants_ = &tenants;
  }
  // Both need AttachState first.
  bool Limits(const JobSpec& job) const override;
  Decision Admit(const JobSpec& job, const Usage& add, const Usage& own_held) const override;

 private:
  const internal::TenantLedger* tenants_ = nullptr;
};
static_assert(std::is_base_of_v<AdmitPlugin, QuotaAdmit>);

// No args.
absl::StatusOr<std::unique_ptr<Plugin>> NewQuotaAdmit(const PluginArgs& args,
                                                      const FrameworkHandle& handle);

}  // namespace manychip::plugins
