#include "manychip/codec/profile.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "manychip/codec/json.h"
#include "manychip/status.h"

namespace manychip::codec {

absl::StatusOr<ProfileSpec> ProfileFromProto(const v1::SchedulerProfile& proto,
                                             const PluginRegistry* registry) {
  ProfileSpec p;
  p.name = proto.name().empty() ? "default" : proto.name();
  if (proto.plugins().empty()) {
    return absl::InvalidArgumentError("profile.plugins: must not be empty");
  }
  std::set<std::string> seen;
  for (int i = 0; i < proto.plugins_size(); ++i) {
    const v1::PluginConfig& c = proto.plugins(i);
    std::string path = absl::StrCat("profile.plugins[", i, "]");
    if (c.name().empty()) return absl::InvalidArgumentError(absl::StrCat(path, ".name: required"));
    if (registry != nullptr && !registry->Contains(c.name())) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".name: unknown plugin '", c.name(), "'"));
    }
    if (!seen.insert(c.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".name: plugin '", c.name(), "' listed twice"));
    }
    if (c.weight() < 0 || c.weight() > 1000) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".weight: must be in [0, 1000], got ", c.weight()));
    }
    PluginArgs a;
    a.name = c.name();
    a.weight = c.weight() == 0 ? 1 : c.weight();
    for (const auto& [k, v] : c.args()) a.args[k] = v;  // std::map: ordered
    p.plugins.push_back(std::move(a));
  }
  if (proto.seed() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("profile.seed: must be >= 0, got ", proto.seed()));
  }
  if (proto.seed() != 0) p.seed = static_cast<uint64_t>(proto.seed());
  return p;
}

absl::StatusOr<ProfileSpec> LoadProfileFile(const std::string& path,
                                            const PluginRegistry* extra_plugins) {
  v1::SchedulerProfile proto;
  MC_RETURN_IF_ERROR(ReadJsonFile(path, &proto));
  PluginRegistry registry = BuiltinPlugins();
  if (extra_plugins != nullptr) {
    MC_RETURN_IF_ERROR(registry.Merge(*extra_plugins));
  }
  absl::StatusOr<ProfileSpec> p = ProfileFromProto(proto, &registry);
  if (!p.ok()) {
    return absl::Status(p.status().code(), absl::StrCat(path, ": ", p.status().message()));
  }
  return p;
}

absl::StatusOr<TenantQuotaSpec> QuotaFromProto(const v1::TenantQuota& proto,
                                               const Catalog& catalog) {
  TenantQuotaSpec q;
  if (proto.tenant().empty()) return absl::InvalidArgumentError("quota.tenant: required");
  q.tenant = proto.tenant();
  if (proto.weight() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("quota.weight: must be >= 0, got ", proto.weight()));
  }
  q.weight = proto.weight() == 0 ? 1 : proto.weight();
  for (const auto& [field, src, dst] :
       {std::tuple{"guaranteed", &proto.guaranteed(), &q.guaranteed},
        std::tuple{"max", &proto.max(), &q.max}}) {
    for (const auto& [key, v] : *src) {
      std::string path = absl::StrCat("quota.", field, ".", key);
      if (v < 0) return absl::InvalidArgumentError(absl::StrCat(path, ": must be >= 0, got ", v));
      std::string canonical = key;
      if (absl::StartsWith(key, "device:")) {
        const DeviceModelSpec* m = catalog.Find(key.substr(7));
        if (m == nullptr) {
          return absl::InvalidArgumentError(
              absl::StrCat(path, ": unknown device model '", key.substr(7), "'"));
        }
        canonical = absl::StrCat("device:", m->id);
      } else if (absl::StartsWith(key, "vendor:")) {
        if (key.size() == 7)
          return absl::InvalidArgumentError(absl::StrCat(path, ": empty vendor"));
      } else if (key != "cpu" && key != "memory" && key != "devices" && key != "h20e") {
        return absl::InvalidArgumentError(absl::StrCat(path, ": unknown resource key"));
      }
      (*dst)[canonical] = v;
    }
  }
  return q;
}

}  // namespace manychip::codec
