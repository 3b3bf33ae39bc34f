#include "src/core/quota.h"

#include <cstring>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "src/plugins/throughput_score.h"

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
  Add(usage, "h20e", sign * milli * plugins::ModelFactor(catalog, model, kind) / kMilliPerDevice);
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
