#pragma once

// Test builders for clusters, in the style of the Kubernetes test wrappers:
//
//   auto catalog = testing::CoreCatalog();
//   std::vector<NodeSpec> nodes = testing::ClusterBuilder(*catalog)
//       .Node("n1").Arch(Arch::kAarch64).Devices("ascend-910b", 8).Board("atlas-800t-a2")
//       .Node("n2").Devices("nvidia-h20", 8).Path({"pod-1", "switch-2"}).Repeat(4)
//       .Build();
//
// Node defaults: x86_64, 64 cores, 1 TiB memory, no devices, no path.
// `Repeat(n)` makes the current node n copies named <name>-0 .. <name>-(n-1).
// Unknown model names abort the test (a builder typo is a test bug).
//
// Thread-safety: plain values.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "manychip/core/catalog.h"
#include "manychip/core/node.h"

namespace manychip::testing {

// A small catalog built in code: nvidia-h20 (reference), nvidia-h100,
// ascend-910b, kunlun-p800, ppu-zw810e. Independent of examples/catalog.
std::shared_ptr<const Catalog> CoreCatalog();

class ClusterBuilder {
 public:
  explicit ClusterBuilder(const Catalog& catalog) : catalog_(&catalog) {}

  ClusterBuilder& Node(std::string name);
  ClusterBuilder& Arch(manychip::Arch arch);
  ClusterBuilder& Cpu(int64_t milli);
  ClusterBuilder& Memory(int64_t mib);
  ClusterBuilder& Devices(absl::string_view model, int32_t count);
  // Devices per link group: devices i and j share a link group iff
  // i / per_group == j / per_group.
  ClusterBuilder& LinkGroups(int32_t per_group);
  ClusterBuilder& Board(std::string board);
  ClusterBuilder& Path(std::vector<std::string> path);
  ClusterBuilder& Label(std::string key, std::string value);
  ClusterBuilder& Taint(std::string key, std::string value, bool soft = false);
  ClusterBuilder& Software(std::string key, std::string version);
  ClusterBuilder& Unhealthy(int32_t device);
  ClusterBuilder& Repeat(int32_t count);

  std::vector<NodeSpec> Build() const;

 private:
  NodeSpec& cur();
  const Catalog* catalog_;
  std::vector<NodeSpec> nodes_;
};

}  // namespace manychip::testing
