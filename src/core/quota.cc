#include "src/core/quota.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "manychip/core/normalized_units.h"

namespace manychip::internal {

namespace {

// Every placement charges twice (job and tenant): look keys up in place and
// build a std::string only for a key the map has not seen.
void Add(Usage& usage, std::string_view key, int64_t v) {
  auto it = usage.find(key);
  if (it == usage.end()) it = usage.emplace(std::string(key), 0).first;
  it->second += v;
}

void AddPrefixed(Usage& usage, std::string_view prefix, std::string_view id, int64_t v) {
  char buf[64];
  if (prefix.size() + id.size() > sizeof(buf)) {
    std::string key(prefix);
    key.append(id);
    Add(usage, key, v);
    return;
  }
  std::memcpy(buf, prefix.data(), prefix.size());
  std::memcpy(buf + prefix.size(), id.data(), id.size());
  Add(usage, std::string_view(buf, prefix.size() + id.size()), v);
}

}  // namespace

void ChargeAllocation(const Catalog& catalog, int32_t model, JobKind kind,
                      const AllocationRequest& r, int sign, Usage& usage) {
  Add(usage, "cpu", sign * r.cpu.raw());
  Add(usage, "memory", sign * r.memory.raw());
  int64_t milli = r.share.raw() * static_cast<int64_t>(r.devices.size());
  if (milli == 0 || model < 0) return;
  const DeviceModelSpec& m = catalog.model(model);
  Add(usage, "devices", sign * milli);
  AddPrefixed(usage, "device:", m.id, sign * milli);
  AddPrefixed(usage, "vendor:", m.vendor, sign * milli);
  Add(usage, "h20e", sign * DeviceUnits(catalog, model, kind, milli));
}

void AddUsage(const Usage& other, int sign, Usage& usage) {
  for (const auto& [key, v] : other) Add(usage, key, sign * v);
}

Usage MinimumCharge(const Catalog& catalog, const FlavorSpec& flavor, JobKind kind, int32_t tasks) {
  AllocationRequest one;
  const DemandSpec& d = flavor.demand;
  one.cpu = d.cpu;
  one.memory = d.memory;
  if (!d.is_cpu_only()) {
    one.devices.assign(static_cast<size_t>(d.card_count()), 0);
    one.share = d.is_fractional() ? d.devices : MilliDevices::FromRaw(kMilliPerDevice);
  }
  std::vector<int32_t> models = flavor.device_models;
  if (models.empty()) models.push_back(-1);  // CPU-only: no device keys
  Usage least;
  for (size_t i = 0; i < models.size(); ++i) {
    Usage u;
    ChargeAllocation(catalog, models[i], kind, one, +1, u);
    if (i == 0) {
      least = std::move(u);
      continue;
    }
    for (auto it = least.begin(); it != least.end();) {
      auto v = u.find(it->first);
      if (v == u.end()) {
        it = least.erase(it);
      } else {
        it->second = std::min(it->second, v->second);
        ++it;
      }
    }
  }
  for (auto& [key, v] : least) v *= tasks;
  return least;
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
