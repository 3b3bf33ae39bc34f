#include "src/service/codec_bridge.h"

#include "manychip/codec/model.h"

namespace manychip::internal {

absl::StatusOr<Catalog> LoadCatalog(const std::string& path) {
  return codec::LoadCatalogFile(path);
}

absl::StatusOr<NodeSpec> NodeFromWire(const v1::Node& proto, const Catalog& catalog,
                                      absl::string_view path_prefix) {
  return codec::NodeFromProto(proto, catalog, path_prefix);
}

absl::StatusOr<JobSpec> JobFromWire(const v1::Job& proto, const Catalog& catalog) {
  return codec::JobFromProto(proto, catalog);
}

v1::Job JobToWire(const JobSpec& job, const Catalog& catalog) {
  return codec::JobToProto(job, catalog);
}

}  // namespace manychip::internal
