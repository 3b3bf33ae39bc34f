// Node JSON (inventory files) and v1::Node wire bytes (an agent's
// RegisterRequest inventory), then a cluster file of such nodes.

#include <cstdlib>

#include "fuzz/fuzz_input.h"
#include "manychip/codec/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace manychip;
  const Catalog& catalog = fuzz::FuzzCatalog();
  const absl::string_view input = fuzz::AsText(data, size);
  v1::Node node;
  if (fuzz::ParseMessage(input, &node)) {
    auto spec = codec::NodeFromProto(node, catalog, "fuzz: ");
    // An accepted node is registered and persisted as NodeToProto's output.
    if (spec.ok() && !codec::NodeFromProto(codec::NodeToProto(*spec, catalog), catalog, "").ok()) {
      std::abort();
    }
  }
  v1::Cluster cluster;
  if (fuzz::ParseMessage(input, &cluster)) (void)codec::ClusterFromProto(cluster, catalog);
  return 0;
}
