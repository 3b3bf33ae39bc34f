// v1::Cluster -> ClusterSpec: node groups expanded, tenant quotas checked.

#include <set>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "manychip/status.h"
#include "src/codec/field_errors.h"

namespace manychip::codec {
namespace {

using internal::Field;
using internal::FieldError;
using internal::Index;
using internal::Key;
using internal::Quote;
using internal::SortedKeys;

constexpr int32_t kMaxGroupCount = 100000;

// A quota key is a resource the quota plugin counts; anything else would be
// ignored there, so it is rejected here.
absl::Status CheckQuotaKey(absl::string_view key, const Catalog& catalog, const std::string& path) {
  if (key == "cpu" || key == "memory" || key == "devices" || key == "h20e") {
    return absl::OkStatus();
  }
  if (absl::StartsWith(key, "device:")) {
    absl::string_view model = key.substr(7);
    if (catalog.Find(model) == nullptr) {
      return FieldError(path, absl::StrCat("unknown device model ", Quote(model)));
    }
    return absl::OkStatus();
  }
  if (absl::StartsWith(key, "vendor:")) {
    absl::string_view vendor = key.substr(7);
    if (catalog.ModelsOfVendor(vendor).empty()) {
      return FieldError(path, absl::StrCat("unknown vendor ", Quote(vendor)));
    }
    return absl::OkStatus();
  }
  return FieldError(path,
                    "unknown resource key (want cpu, memory, devices, h20e, device:<model> or "
                    "vendor:<vendor>)");
}

absl::StatusOr<TenantQuotaSpec> TenantFromProto(const v1::TenantQuota& t, const Catalog& catalog,
                                                const std::string& path) {
  TenantQuotaSpec spec;
  if (!IsValidId(t.tenant())) {
    return FieldError(
        Field(path, "tenant"),
        absl::StrCat("must match [a-z0-9][a-z0-9._-]{0,62}, got ", Quote(t.tenant())));
  }
  spec.tenant = t.tenant();
  for (auto [map, name, out] : {std::tuple{&t.guaranteed(), "guaranteed", &spec.guaranteed},
                                std::tuple{&t.max(), "max", &spec.max}}) {
    const std::string mpath = Field(path, name);
    for (const std::string& key : SortedKeys(*map)) {
      const std::string kpath = Key(mpath, key);
      MC_RETURN_IF_ERROR(CheckQuotaKey(key, catalog, kpath));
      int64_t amount = map->at(key);
      if (amount < 0) return FieldError(kpath, absl::StrCat("must be >= 0, got ", amount));
      (*out)[key] = amount;
    }
  }
  for (const auto& [key, guaranteed] : spec.guaranteed) {
    auto it = spec.max.find(key);
    if (it != spec.max.end() && guaranteed > it->second) {
      return FieldError(Key(Field(path, "guaranteed"), key),
                        absl::StrCat(guaranteed, " exceeds max ", it->second));
    }
  }
  if (t.weight() < 0) {
    return FieldError(Field(path, "weight"), absl::StrCat("must be >= 0, got ", t.weight()));
  }
  spec.weight = t.weight() == 0 ? 1 : t.weight();
  return spec;
}

}  // namespace

absl::StatusOr<ClusterSpec> ClusterFromProto(const v1::Cluster& proto, const Catalog& catalog) {
  ClusterSpec cluster;
  cluster.name = proto.name();
  // Name -> where it was defined, for the duplicate message.
  std::map<std::string, std::string> defined_at;
  for (int i = 0; i < proto.nodes_size(); ++i) {
    const std::string path = Index("nodes", i);
    MC_ASSIGN_OR_RETURN(NodeSpec node,
                        NodeFromProto(proto.nodes(i), catalog, absl::StrCat(path, ".")));
    auto [it, inserted] = defined_at.emplace(node.name, path);
    if (!inserted) {
      return FieldError(Field(path, "name"), absl::StrCat("duplicate node name ", Quote(node.name),
                                                          " (also ", it->second, ")"));
    }
    cluster.nodes.push_back(std::move(node));
  }
  for (int g = 0; g < proto.node_groups_size(); ++g) {
    const v1::NodeGroup& group = proto.node_groups(g);
    const std::string path = Index("node_groups", g);
    if (!IsValidId(group.name_prefix())) {
      return FieldError(
          Field(path, "name_prefix"),
          absl::StrCat("must match [a-z0-9][a-z0-9._-]{0,62}, got ", Quote(group.name_prefix())));
    }
    if (group.count() < 1 || group.count() > kMaxGroupCount) {
      return FieldError(Field(path, "count"),
                        absl::StrCat("must be in 1..", kMaxGroupCount, ", got ", group.count()));
    }
    if (!group.has_template_()) return FieldError(Field(path, "template"), "must be set");
    const int width = group.count() > 10000 ? 5 : 4;
    auto name_of = [&](int k) { return absl::StrFormat("%s-%0*d", group.name_prefix(), width, k); };
    const std::string last = name_of(group.count() - 1);
    if (!IsValidId(last)) {
      return FieldError(
          Field(path, "name_prefix"),
          absl::StrCat("too long: node name ", Quote(last), " exceeds 63 characters"));
    }
    v1::Node tmpl = group.template_();
    tmpl.set_name(name_of(0));  // the template's own name is ignored
    MC_ASSIGN_OR_RETURN(NodeSpec first,
                        NodeFromProto(tmpl, catalog, absl::StrCat(path, ".template.")));
    for (int k = 0; k < group.count(); ++k) {
      NodeSpec node = first;
      node.name = name_of(k);
      auto [it, inserted] = defined_at.emplace(node.name, path);
      if (!inserted) {
        return FieldError(
            Field(path, "name_prefix"),
            absl::StrCat("node name ", Quote(node.name), " is already used by ", it->second));
      }
      cluster.nodes.push_back(std::move(node));
    }
  }
  std::map<std::string, int> tenant_at;
  for (int i = 0; i < proto.tenants_size(); ++i) {
    const std::string path = Index("tenants", i);
    MC_ASSIGN_OR_RETURN(TenantQuotaSpec tenant, TenantFromProto(proto.tenants(i), catalog, path));
    auto [it, inserted] = tenant_at.emplace(tenant.tenant, i);
    if (!inserted) {
      return FieldError(Field(path, "tenant"),
                        absl::StrCat("duplicate tenant ", Quote(tenant.tenant), " (also tenants[",
                                     it->second, "])"));
    }
    cluster.tenants.push_back(std::move(tenant));
  }
  return cluster;
}

absl::StatusOr<ClusterSpec> LoadClusterFile(const std::string& path, const Catalog& catalog) {
  return internal::LoadJsonAs<v1::Cluster>(
      path, [&](const v1::Cluster& proto) { return ClusterFromProto(proto, catalog); });
}

}  // namespace manychip::codec
