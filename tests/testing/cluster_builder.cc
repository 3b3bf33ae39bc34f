#include "tests/testing/cluster_builder.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace manychip::testing {
namespace {

DeviceModelSpec Model(std::string id, std::string vendor, int64_t mem_gib, int64_t bw, int64_t bf16,
                      std::string arches) {
  DeviceModelSpec m;
  m.id = std::move(id);
  m.vendor = std::move(vendor);
  m.name = m.id;
  m.memory = MiB::FromRaw(mem_gib * 1024);
  m.memory_bandwidth_gbps = bw;
  m.bf16_tflops = bf16;
  m.host_arches = {std::move(arches)};
  return m;
}

}  // namespace

std::shared_ptr<const Catalog> CoreCatalog() {
  static const auto* catalog = [] {
    std::vector<DeviceModelSpec> models = {
        Model("nvidia-h20", "nvidia", 96, 4000, 148, "x86_64"),
        Model("nvidia-h100", "nvidia", 80, 3350, 989, "x86_64"),
        Model("ascend-910b", "ascend", 64, 1600, 320, "aarch64"),
        Model("kunlun-p800", "kunlun", 96, 2700, 345, "x86_64"),
        Model("ppu-zw810e", "ppu", 96, 2700, 120, "x86_64"),
    };
    absl::StatusOr<Catalog> c = Catalog::Create(std::move(models), "nvidia-h20");
    if (!c.ok()) {
      std::fprintf(stderr, "CoreCatalog: %s\n", c.status().ToString().c_str());
      std::abort();
    }
    return new std::shared_ptr<const Catalog>(std::make_shared<Catalog>(*std::move(c)));
  }();
  return *catalog;
}

NodeSpec& ClusterBuilder::cur() {
  if (nodes_.empty()) {
    std::fprintf(stderr, "ClusterBuilder: call Node() first\n");
    std::abort();
  }
  return nodes_.back();
}

ClusterBuilder& ClusterBuilder::Node(std::string name) {
  NodeSpec n;
  n.name = std::move(name);
  n.cpu = MilliCpu::FromRaw(64000);
  n.memory = MiB::FromRaw(1024 * 1024);
  nodes_.push_back(std::move(n));
  return *this;
}

ClusterBuilder& ClusterBuilder::Arch(manychip::Arch arch) {
  cur().arch = arch;
  return *this;
}
ClusterBuilder& ClusterBuilder::Cpu(int64_t milli) {
  cur().cpu = MilliCpu::FromRaw(milli);
  return *this;
}
ClusterBuilder& ClusterBuilder::Memory(int64_t mib) {
  cur().memory = MiB::FromRaw(mib);
  return *this;
}

ClusterBuilder& ClusterBuilder::Devices(absl::string_view model, int32_t count) {
  const DeviceModelSpec* m = catalog_->Find(model);
  if (m == nullptr) {
    std::fprintf(stderr, "ClusterBuilder: unknown model %s\n", std::string(model).c_str());
    std::abort();
  }
  NodeSpec& n = cur();
  n.devices.clear();
  for (int32_t i = 0; i < count; ++i) {
    DeviceSpec d;
    d.index = i;
    d.model = m->index;
    d.memory = m->memory;
    d.numa_node = i * 2 / std::max(count, 1);
    n.devices.push_back(std::move(d));
  }
  return *this;
}

ClusterBuilder& ClusterBuilder::LinkGroups(int32_t per_group) {
  for (DeviceSpec& d : cur().devices) d.link_group = absl::StrCat("g", d.index / per_group);
  return *this;
}
ClusterBuilder& ClusterBuilder::Board(std::string board) {
  cur().board = std::move(board);
  return *this;
}
ClusterBuilder& ClusterBuilder::Path(std::vector<std::string> path) {
  cur().topology_path = std::move(path);
  return *this;
}
ClusterBuilder& ClusterBuilder::Label(std::string key, std::string value) {
  cur().labels[std::move(key)] = std::move(value);
  return *this;
}
ClusterBuilder& ClusterBuilder::Taint(std::string key, std::string value, bool soft) {
  cur().taints.push_back(TaintSpec{std::move(key), std::move(value), soft});
  return *this;
}
ClusterBuilder& ClusterBuilder::Software(std::string key, std::string version) {
  cur().software[std::move(key)] = std::move(version);
  return *this;
}
ClusterBuilder& ClusterBuilder::Unhealthy(int32_t device) {
  cur().devices.at(device).healthy = false;
  return *this;
}

ClusterBuilder& ClusterBuilder::Repeat(int32_t count) {
  NodeSpec proto = cur();
  nodes_.pop_back();
  for (int32_t i = 0; i < count; ++i) {
    NodeSpec n = proto;
    n.name = absl::StrCat(proto.name, "-", i);
    nodes_.push_back(std::move(n));
  }
  return *this;
}

std::vector<NodeSpec> ClusterBuilder::Build() const { return nodes_; }

}  // namespace manychip::testing
