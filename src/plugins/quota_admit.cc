#include "src/plugins/quota_admit.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "src/core/quota.h"
#include "src/core/tenant_ledger.h"

namespace manychip::plugins {

bool QuotaAdmit::Limits(const JobSpec& job) const {
  const TenantQuotaSpec* q = tenants_->Quota(job.tenant);
  return q != nullptr && !q->max.empty();
}

Decision QuotaAdmit::Admit(const JobSpec& job, const Usage& add, const Usage& own_held) const {
  const TenantQuotaSpec* q = tenants_->Quota(job.tenant);
  if (q == nullptr || q->max.empty()) return Decision::Fit();
  std::string key = internal::ExceedsMax(*q, tenants_->QuotaBase(job.tenant, own_held), add);
  if (key.empty()) return Decision::Fit();
  return Decision::Unschedulable(RejectReason::kQuotaExceeded, absl::StrCat("max ", key));
}

absl::StatusOr<std::unique_ptr<Plugin>> NewQuotaAdmit(const PluginArgs& args,
                                                      const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new QuotaAdmit());
}

}  // namespace manychip::plugins
