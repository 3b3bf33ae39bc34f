#include "src/core/quota.h"

#include "absl/strings/str_cat.h"
#include "src/plugins/throughput_score.h"

namespace manychip::internal {

void ChargeAllocation(const Catalog& catalog, int32_t model, JobKind kind,
                      const AllocationRequest& r, int sign, Usage& usage) {
  usage["cpu"] += sign * r.cpu.raw();
  usage["memory"] += sign * r.memory.raw();
  int64_t milli = r.share.raw() * static_cast<int64_t>(r.devices.size());
  if (milli == 0 || model < 0) return;
  const DeviceModelSpec& m = catalog.model(model);
  usage["devices"] += sign * milli;
  usage[absl::StrCat("device:", m.id)] += sign * milli;
  usage[absl::StrCat("vendor:", m.vendor)] += sign * milli;
  usage["h20e"] += sign * milli * plugins::ModelFactor(catalog, model, kind) / kMilliPerDevice;
}

std::string ExceedsMax(const TenantQuotaSpec& quota, const Usage& used, const Usage& add) {
  for (const auto& [key, limit] : quota.max) {
    auto u = used.find(key);
    auto a = add.find(key);
    int64_t want = (u == used.end() ? 0 : u->second) + (a == add.end() ? 0 : a->second);
    if (a != add.end() && a->second > 0 && want > limit) return key;
  }
  return "";
}

bool BelowGuarantee(const TenantQuotaSpec& quota, const Usage& used) {
  if (quota.guaranteed.empty()) return false;
  for (const auto& [key, g] : quota.guaranteed) {
    auto u = used.find(key);
    if ((u == used.end() ? 0 : u->second) >= g) return false;
  }
  return true;
}

}  // namespace manychip::internal
