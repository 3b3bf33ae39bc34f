#pragma once

// The codec calls the service layer needs, behind declarations that pull in
// only core value types. Why: core/profile.h and codec/model.h both define
// `TenantQuotaSpec` at the time of writing, so no translation unit may
// include both scheduler.h and codec/model.h. Drop this file and call
// codec:: directly once that is resolved.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/core/catalog.h"
#include "manychip/core/job.h"
#include "manychip/core/node.h"
#include "manychip/v1/types.pb.h"

namespace manychip::internal {

absl::StatusOr<Catalog> LoadCatalog(const std::string& path);
absl::StatusOr<NodeSpec> NodeFromWire(const v1::Node& proto, const Catalog& catalog,
                                      absl::string_view path_prefix);
absl::StatusOr<JobSpec> JobFromWire(const v1::Job& proto, const Catalog& catalog);
v1::Job JobToWire(const JobSpec& job, const Catalog& catalog);

}  // namespace manychip::internal
