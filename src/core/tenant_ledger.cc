#include "src/core/tenant_ledger.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"

namespace manychip::internal {

absl::Status TenantLedger::SetQuota(TenantQuotaSpec quota, const Catalog& catalog) {
  if (quota.tenant.empty()) return absl::InvalidArgumentError("quota.tenant: must not be empty");
  if (quota.weight < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("quota.weight: must be >= 0, got ", quota.weight));
  }
  if (quota.weight == 0) quota.weight = 1;
  static const char* kFixed[] = {"cpu", "memory", "devices", "h20e"};
  for (const auto* m : {&quota.guaranteed, &quota.max}) {
    const char* field = m == &quota.max ? "max" : "guaranteed";
    for (const auto& [key, v] : *m) {
      bool known = std::find(std::begin(kFixed), std::end(kFixed), key) != std::end(kFixed);
      if (key.rfind("device:", 0) == 0) {
        known = catalog.Find(key.substr(7)) != nullptr;
      } else if (key.rfind("vendor:", 0) == 0) {
        known = key.size() > 7;
      }
      if (!known) {
        return absl::InvalidArgumentError(
            absl::StrCat("quota.", field, ".", key, ": unknown resource key"));
      }
      if (v < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("quota.", field, ".", key, ": must be >= 0, got ", v));
      }
    }
  }
  // Canonicalize device:<alias> to the model id so charges match.
  std::map<std::string, int64_t> g, mx;
  for (auto [src, dst] : {std::pair{&quota.guaranteed, &g}, std::pair{&quota.max, &mx}}) {
    for (const auto& [key, v] : *src) {
      if (key.rfind("device:", 0) == 0) {
        (*dst)[absl::StrCat("device:", catalog.Find(key.substr(7))->id)] = v;
      } else {
        (*dst)[key] = v;
      }
    }
  }
  quota.guaranteed = std::move(g);
  quota.max = std::move(mx);
  quotas_[quota.tenant] = std::move(quota);
  return absl::OkStatus();
}

const TenantQuotaSpec* TenantLedger::Quota(const std::string& tenant) const {
  auto it = quotas_.find(tenant);
  return it == quotas_.end() ? nullptr : &it->second;
}

const Usage* TenantLedger::FindUsage(const std::string& tenant) const {
  auto it = usage_.find(tenant);
  return it == usage_.end() ? nullptr : &it->second;
}

Usage TenantLedger::QuotaBase(const std::string& tenant, const Usage& own_held) const {
  Usage base;
  if (const Usage* u = FindUsage(tenant)) base = *u;
  if (auto h = held_.find(tenant); h != held_.end()) {
    AddUsage(h->second, +1, base);
    AddUsage(own_held, -1, base);
  }
  return base;
}

bool TenantLedger::BelowGuarantee(const std::string& tenant) const {
  const TenantQuotaSpec* q = Quota(tenant);
  if (q == nullptr) return false;
  const Usage* u = FindUsage(tenant);
  return internal::BelowGuarantee(*q, u == nullptr ? Usage{} : *u);
}

int64_t TenantLedger::DominantSharePpm(const std::string& tenant) const {
  const Usage* u = FindUsage(tenant);
  if (u == nullptr) return 0;
  auto get = [&](const char* k) {
    auto it = u->find(k);
    return it == u->end() ? int64_t{0} : it->second;
  };
  int64_t share = 0;
  if (total_cpu_ > 0) share = std::max(share, get("cpu") * 1000000 / total_cpu_);
  if (total_memory_ > 0) share = std::max(share, get("memory") * 1000000 / total_memory_);
  if (total_devices_ > 0) share = std::max(share, get("devices") * 1000000 / total_devices_);
  const TenantQuotaSpec* q = Quota(tenant);
  return share / (q == nullptr ? 1 : std::max(1, q->weight));
}

void TenantLedger::AddCapacity(int64_t cpu, int64_t memory, int64_t device_milli, int sign) {
  total_cpu_ += sign * cpu;
  total_memory_ += sign * memory;
  total_devices_ += sign * device_milli;
}

}  // namespace manychip::internal
