#include "manychip/sim/profile_file.h"

#include "absl/strings/str_cat.h"
#include "manychip/codec/json.h"
#include "manychip/status.h"
#include "manychip/v1/types.pb.h"

namespace manychip::sim {
namespace {

absl::StatusOr<ProfileSpec> FromProto(const v1::SchedulerProfile& proto, const std::string& what) {
  ProfileSpec p;
  p.name = proto.name().empty() ? "default" : proto.name();
  if (proto.plugins().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": plugins: must not be empty"));
  }
  for (int i = 0; i < proto.plugins_size(); ++i) {
    const v1::PluginConfig& c = proto.plugins(i);
    if (c.name().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": plugins[", i, "].name: must not be empty"));
    }
    if (c.weight() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": plugins[", i,
                                                     "].weight: must be >= 0, got ", c.weight()));
    }
    PluginArgs a;
    a.name = c.name();
    a.weight = c.weight() == 0 ? 1 : c.weight();
    // Sorted keys: the proto map's order is unspecified.
    for (const auto& [k, v] : c.args()) a.args.emplace(k, v);
    p.plugins.push_back(std::move(a));
  }
  if (proto.seed() != 0) p.seed = static_cast<uint64_t>(proto.seed());
  return p;
}

}  // namespace

absl::StatusOr<ProfileSpec> ParseProfileJson(const std::string& json, const std::string& what) {
  v1::SchedulerProfile proto;
  MC_RETURN_IF_ERROR(codec::ParseJson(json, what, &proto));
  return FromProto(proto, what);
}

absl::StatusOr<ProfileSpec> LoadProfileFile(const std::string& path) {
  v1::SchedulerProfile proto;
  MC_RETURN_IF_ERROR(codec::ReadJsonFile(path, &proto));
  return FromProto(proto, path);
}

}  // namespace manychip::sim
