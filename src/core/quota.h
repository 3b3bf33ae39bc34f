#pragma once

// Tenant quota accounting: what an allocation charges to its tenant, per
// resource key (see TenantQuotaSpec in profile.h), and the guaranteed / max
// checks. Integer only; "h20e" charges the allocation's normalized units
// (`DeviceUnits`, normalized_units.h), so a CPU-only allocation charges none.

#include <cstdint>
#include <map>
#include <string>

#include "manychip/core/catalog.h"
#include "manychip/core/cluster_state.h"
#include "manychip/core/job.h"
#include "manychip/core/profile.h"

namespace manychip::internal {

// Ordered (deterministic iteration); transparent so charges look keys up
// without building a std::string.
using Usage = std::map<std::string, int64_t, std::less<>>;

// Adds (sign = +1) or removes (-1) one allocation's charge on a node of
// device model `model` (-1: CPU-only node).
void ChargeAllocation(const Catalog& catalog, int32_t model, JobKind kind,
                      const AllocationRequest& request, int sign, Usage& usage);

// usage += sign * other, key by key.
void AddUsage(const Usage& other, int sign, Usage& usage);

// A lower bound of what `tasks` tasks of `flavor` charge wherever they land:
// per key, the least over the flavor's device models (a key that one model
// does not charge counts 0). What a gang needs at least, before it is placed.
Usage MinimumCharge(const Catalog& catalog, const FlavorSpec& flavor, JobKind kind, int32_t tasks);

// First key of `quota.max` that `used + add` would exceed, or "" if none.
std::string ExceedsMax(const TenantQuotaSpec& quota, const Usage& used, const Usage& add);

// True if every guaranteed key is still above the tenant's use (the tenant
// is within its guarantee and goes first under contention).
bool BelowGuarantee(const TenantQuotaSpec& quota, const Usage& used);

}  // namespace manychip::internal
