#pragma once

// TenantQuotaSpec: a tenant's guaranteed and maximum quota, per resource key:
//   "cpu" (milli-CPU), "memory" (MiB), "devices" (milli-devices, any model),
//   "device:<model id>" (milli-devices of one model), "vendor:<vendor>"
//   (milli-devices of one vendor), "h20e" (milli normalized units: a card
//   counts its catalog training/inference factor, 1000 = one reference card,
//   a CPU-only task 0; see normalized_units.h).
// Owned by the core (the scheduler enforces it); codec fills it from
// v1::TenantQuota.
//
// Thread-safety: a plain value.
//
//   TenantQuotaSpec q{.tenant = "a", .guaranteed = {{"h20e", 8000}}, .max = {}, .weight = 1};
//   MC_RETURN_IF_ERROR(scheduler->SetTenantQuota(q));

#include <cstdint>
#include <map>
#include <string>

namespace manychip {

struct TenantQuotaSpec {
  std::string tenant;
  std::map<std::string, int64_t> guaranteed;  // ordered: deterministic iteration
  std::map<std::string, int64_t> max;
  int32_t weight = 1;  // DRF weight; 0 in the input means 1
};

}  // namespace manychip
