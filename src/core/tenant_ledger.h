#pragma once

// TenantLedger: what each tenant is allowed (TenantQuotaSpec) and what it
// uses, the scheduler's one account of tenants. It holds three things per
// tenant: the quota as set, the running usage (charged when a job's tasks
// bind, uncharged when they stop), and what its gang holds charge (assumed,
// unbound reservations; counted against max quota, not as usage). It also
// keeps the cluster's healthy totals that fair shares are measured against.
//
// The ledger keeps accounts; it decides nothing. The policies that read it
// are plugins: "fair_share" (QueueOrder, dominant shares) and "quota"
// (Admit, max quota). Flavor choice reads `BelowGuarantee`.
//
// Ownership: owned by the scheduler, which alone mutates it; plugins see it
// const through `FrameworkHandle::tenants`.
// Thread-safety: not thread-safe; the scheduler's owner thread only.
//
//   TenantLedger ledger;
//   MC_RETURN_IF_ERROR(ledger.SetQuota(quota, catalog));
//   ChargeAllocation(catalog, model, kind, request, +1, ledger.MutableUsage("a"));
//   int64_t ppm = ledger.DominantSharePpm("a");

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "manychip/core/catalog.h"
#include "manychip/core/quota.h"
#include "src/core/quota.h"

namespace manychip::internal {

class TenantLedger {
 public:
  // Validates and canonicalizes `quota` (device:<alias> keys become model
  // ids, weight 0 becomes 1) and replaces the tenant's quota.
  // InvalidArgument naming the field on a bad key or value.
  absl::Status SetQuota(TenantQuotaSpec quota, const Catalog& catalog);
  // The tenant's quota, or nullptr when none was set.
  const TenantQuotaSpec* Quota(const std::string& tenant) const;

  // Running usage: the scheduler charges and uncharges it.
  Usage& MutableUsage(const std::string& tenant) { return usage_[tenant]; }
  // Running usage, or nullptr for a tenant that never ran anything.
  const Usage* FindUsage(const std::string& tenant) const;
  // What the tenant's gang holds charge, all of them together.
  Usage& MutableHeld(const std::string& tenant) { return held_[tenant]; }

  // What the tenant's max quota is judged against for a job whose own hold
  // charges `own_held`: running usage plus every hold of the tenant but the
  // job's own.
  Usage QuotaBase(const std::string& tenant, const Usage& own_held) const;
  // Whether the tenant has a guarantee and uses less than it of every key.
  bool BelowGuarantee(const std::string& tenant) const;
  // The tenant's dominant share of the cluster (cpu, memory, devices) in
  // parts per million, divided by its weight.
  int64_t DominantSharePpm(const std::string& tenant) const;

  // Healthy cluster capacity that shares are measured against: a node's
  // cpu (milli), memory (MiB) and healthy device milli, added with sign +1
  // when it joins or a device recovers, -1 when it leaves or fails.
  void AddCapacity(int64_t cpu, int64_t memory, int64_t device_milli, int sign);

 private:
  std::map<std::string, TenantQuotaSpec> quotas_;
  std::map<std::string, Usage> usage_;
  std::map<std::string, Usage> held_;
  int64_t total_cpu_ = 0, total_memory_ = 0, total_devices_ = 0;
};

}  // namespace manychip::internal
