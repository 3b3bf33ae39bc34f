// Tenant quotas the daemon was started with (manychipd --tenant_quotas):
// into the core, and kept for the quota gauges.

#include <utility>

#include "manychip/status.h"
#include "src/service/controller.h"

namespace manychip::internal {

absl::Status Controller::SetTenantQuotas(std::vector<TenantQuotaSpec> quotas) {
  for (const TenantQuotaSpec& q : quotas) MC_RETURN_IF_ERROR(scheduler_->SetTenantQuota(q));
  tenant_quotas_ = std::move(quotas);
  cycle_requested_ = true;
  return absl::OkStatus();
}

}  // namespace manychip::internal
