#include "apps/manychip-sim/catalog_loader.h"

#include "manychip/codec/model.h"
#include "manychip/status.h"

namespace manychip::sim_app {

absl::StatusOr<std::shared_ptr<const Catalog>> LoadCatalog(const std::string& path) {
  MC_ASSIGN_OR_RETURN(Catalog catalog, codec::LoadCatalogFile(path));
  return std::make_shared<const Catalog>(std::move(catalog));
}

absl::StatusOr<std::vector<NodeSpec>> LoadClusterNodes(const std::string& path,
                                                       const Catalog& catalog) {
  MC_ASSIGN_OR_RETURN(ClusterSpec cluster, codec::LoadClusterFile(path, catalog));
  return std::move(cluster.nodes);
}

}  // namespace manychip::sim_app
