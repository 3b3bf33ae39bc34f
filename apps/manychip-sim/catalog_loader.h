#pragma once

// Loads a device catalog file for the simulator. Kept in its own translation
// unit: codec/model.h and core/profile.h both define TenantQuotaSpec today,
// so no file of ours includes both.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "manychip/core/catalog.h"
#include "manychip/core/node.h"

namespace manychip::sim_app {

absl::StatusOr<std::shared_ptr<const Catalog>> LoadCatalog(const std::string& path);

// The nodes of a v1::Cluster JSON file, node groups expanded.
absl::StatusOr<std::vector<NodeSpec>> LoadClusterNodes(const std::string& path,
                                                       const Catalog& catalog);

}  // namespace manychip::sim_app
