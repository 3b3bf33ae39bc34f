#include "apps/manychip-sim/catalog_loader.h"

#include "manychip/codec/model.h"
#include "manychip/status.h"

namespace manychip::sim_app {

absl::StatusOr<std::shared_ptr<const Catalog>> LoadCatalog(const std::string& path) {
  MC_ASSIGN_OR_RETURN(Catalog catalog, codec::LoadCatalogFile(path));
  return std::make_shared<const Catalog>(std::move(catalog));
}

}  // namespace manychip::sim_app
