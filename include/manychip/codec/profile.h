#pragma once

// Scheduler profiles and tenant quotas from their proto/JSON form into the
// core's ProfileSpec and TenantQuotaSpec, with field-path errors:
//   `profile.plugins[2].name: unknown plugin 'fgdd'`
//   `quota.max.gpus: unknown resource key`.
//
// Thread-safety: pure functions.
//
//   MC_ASSIGN_OR_RETURN(ProfileSpec p, codec::LoadProfileFile("examples/profiles/default.json"));
//   options.profile = std::move(p);

#include <string>

#include "absl/status/statusor.h"
#include "manychip/core/catalog.h"
#include "manychip/core/profile.h"
#include "manychip/core/quota.h"
#include "manychip/framework/registry.h"
#include "manychip/v1/types.pb.h"

namespace manychip::codec {

// Converts a profile. With `registry`, every plugin name must be registered
// (BuiltinPlugins() when null is not wanted: pass nullptr to skip the check
// and let Scheduler::Create report unknown plugins). Weight 0 means 1.
absl::StatusOr<ProfileSpec> ProfileFromProto(const v1::SchedulerProfile& proto,
                                             const PluginRegistry* registry);
// Reads a v1::SchedulerProfile JSON file. Plugin names are checked against
// BuiltinPlugins() plus `extra_plugins` (not changed; pass the registry given
// to SchedulerOptions::extra_plugins so a profile may name custom plugins).
absl::StatusOr<ProfileSpec> LoadProfileFile(const std::string& path,
                                            const PluginRegistry* extra_plugins = nullptr);

// Converts a quota. Keys: cpu, memory, devices, h20e, device:<model id or
// alias> (resolved to the id through `catalog`), vendor:<vendor>.
absl::StatusOr<TenantQuotaSpec> QuotaFromProto(const v1::TenantQuota& proto,
                                               const Catalog& catalog);

}  // namespace manychip::codec
