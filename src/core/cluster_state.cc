#include "manychip/core/cluster_state.h"

#include <algorithm>
#include <map>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "src/core/device_ids.h"
#include "src/core/intern_table.h"

namespace manychip {
namespace {

constexpr int32_t ShareBucket(int64_t milli) {
  return static_cast<int32_t>(std::min<int64_t>(milli, kMilliPerDevice) / 100);
}

}  // namespace

ClusterState::ClusterState(const Catalog* catalog)
    : catalog_(catalog),
      device_tables_(std::make_unique<internal::InternTable<DeviceSpec>>()),
      cpu_feature_lists_(std::make_unique<internal::InternTable<std::string>>()) {
  models_.resize(static_cast<size_t>(catalog_->size()));
}

ClusterState::~ClusterState() = default;

ClusterState::ModelIndex& ClusterState::EnsureModel(int32_t model, int32_t devices) {
  ModelIndex& m = models_[model];
  if (static_cast<int32_t>(m.by_whole.size()) < devices + 1) m.by_whole.resize(devices + 1);
  if (m.by_share.empty()) m.by_share.resize(kShareBuckets);
  return m;
}

absl::StatusOr<NodeIndex> ClusterState::AddNode(NodeSpec spec) {
  if (spec.name.empty()) return absl::InvalidArgumentError("node.name: must not be empty");
  if (by_name_.contains(spec.name)) {
    return absl::AlreadyExistsError(absl::StrCat("node '", spec.name, "' already exists"));
  }
  if (spec.cpu.raw() < 0 || spec.memory.raw() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("node '", spec.name, "'.cpu/memory: must be >= 0"));
  }
  if (spec.devices.size() > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("node '", spec.name, "'.devices: at most 4096, got ", spec.devices.size()));
  }
  int32_t model = -1;
  for (size_t i = 0; i < spec.devices.size(); ++i) {
    const DeviceSpec& d = spec.devices[i];
    if (d.index != static_cast<int32_t>(i)) {
      return absl::InvalidArgumentError(absl::StrCat("node '", spec.name, "'.devices[", i,
                                                     "].index: must be ", i, ", got ", d.index));
    }
    if (d.model < 0 || d.model >= catalog_->size()) {
      return absl::InvalidArgumentError(absl::StrCat("node '", spec.name, "'.devices[", i,
                                                     "].model: unknown catalog index ", d.model));
    }
    if (d.memory.raw() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("node '", spec.name, "'.devices[", i, "].memory: must be >= 0"));
    }
    if (i == 0) {
      model = d.model;
    } else if (d.model != model) {
      return absl::InvalidArgumentError(absl::StrCat(
          "node '", spec.name, "'.devices[", i, "].model: a node carries one device model, got ",
          catalog_->model(d.model).id, " after ", catalog_->model(model).id));
    }
  }
  NodeIndex n = static_cast<NodeIndex>(nodes_.size());
  NodeRuntime rt;
  rt.free_cpu = spec.cpu;
  rt.free_memory = spec.memory;
  rt.device_begin = static_cast<int32_t>(dev_free_.size());
  rt.device_count = static_cast<int16_t>(spec.devices.size());
  rt.model = model;
  rt.schedulable = !spec.unschedulable;
  DeviceList::Table table = std::move(spec.devices.mutable_table());
  spec.devices.clear();
  for (DeviceSpec& d : table) {
    if (d.memory.is_zero()) d.memory = catalog_->model(d.model).memory;
    dev_free_.push_back(d.healthy ? MilliDevices::FromRaw(kMilliPerDevice) : MilliDevices::Zero());
    dev_free_memory_.push_back(d.healthy ? d.memory : MiB::Zero());
    dev_healthy_.push_back(d.healthy ? 1 : 0);
  }
  ids_.emplace_back(table);
  for (DeviceSpec& d : table) {
    d.uuid = std::string();
    d.pci_bus_id = std::string();
  }
  spec.devices = device_tables_->Intern(std::move(table));
  spec.cpu_features = cpu_feature_lists_->Intern(spec.cpu_features.table());
  by_name_[spec.name] = n;
  specs_.push_back(std::move(spec));
  nodes_.push_back(rt);
  node_allocs_.emplace_back();
  ++live_nodes_;
  RecomputeSummary(n);
  Reindex(n);
  ++capacity_generation_;
  return n;
}

absl::Status ClusterState::RemoveNode(NodeIndex n) {
  if (n < 0 || n >= node_count() || !nodes_[n].alive) {
    return absl::NotFoundError(absl::StrCat("node index ", n, " not found"));
  }
  if (!node_allocs_[n].empty()) {
    return absl::FailedPreconditionError(absl::StrCat("node '", specs_[n].name, "' still has ",
                                                      node_allocs_[n].size(), " allocations"));
  }
  Unindex(n);
  nodes_[n].alive = false;
  by_name_.erase(specs_[n].name);
  device_tables_->Release(specs_[n].devices);
  cpu_feature_lists_->Release(specs_[n].cpu_features);
  ids_[n] = internal::DeviceIds();
  --live_nodes_;
  return absl::OkStatus();
}

absl::Status ClusterState::SetReady(NodeIndex n, bool ready) {
  if (n < 0 || n >= node_count() || !nodes_[n].alive) {
    return absl::NotFoundError(absl::StrCat("node index ", n, " not found"));
  }
  if (ready && !nodes_[n].ready) ++capacity_generation_;
  nodes_[n].ready = ready;
  return absl::OkStatus();
}

absl::Status ClusterState::SetSchedulable(NodeIndex n, bool schedulable) {
  if (n < 0 || n >= node_count() || !nodes_[n].alive) {
    return absl::NotFoundError(absl::StrCat("node index ", n, " not found"));
  }
  if (schedulable && !nodes_[n].schedulable) ++capacity_generation_;
  nodes_[n].schedulable = schedulable;
  return absl::OkStatus();
}

absl::Status ClusterState::SetDeviceHealth(NodeIndex n, int32_t device, bool healthy,
                                           absl::string_view reason) {
  if (n < 0 || n >= node_count() || !nodes_[n].alive) {
    return absl::NotFoundError(absl::StrCat("node index ", n, " not found"));
  }
  NodeRuntime& rt = nodes_[n];
  if (device < 0 || device >= rt.device_count) {
    return absl::InvalidArgumentError(absl::StrCat("node '", specs_[n].name, "'.devices[", device,
                                                   "]: no such device (node has ", rt.device_count,
                                                   ")"));
  }
  // The node's device table may be shared: change a copy and intern that.
  auto set_health = [&] {
    DeviceList::Table table = specs_[n].devices.table();
    table[device].healthy = healthy;
    table[device].health_reason = std::string(reason);
    device_tables_->Release(specs_[n].devices);
    specs_[n].devices = device_tables_->Intern(std::move(table));
  };
  size_t at = static_cast<size_t>(rt.device_begin + device);
  if ((dev_healthy_[at] != 0) == healthy) {
    if (spec(n).devices[device].health_reason != reason) set_health();
    return absl::OkStatus();
  }
  if (!healthy && !AllocationsOnDevice(n, device).empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("node '", specs_[n].name, "' device ", device,
                     ": allocations remain; forget them before marking it unhealthy"));
  }
  Unindex(n);
  set_health();
  dev_healthy_[at] = healthy ? 1 : 0;
  dev_free_[at] = healthy ? MilliDevices::FromRaw(kMilliPerDevice) : MilliDevices::Zero();
  dev_free_memory_[at] = healthy ? spec(n).devices[device].memory : MiB::Zero();
  RecomputeSummary(n);
  Reindex(n);
  if (healthy) ++capacity_generation_;
  return absl::OkStatus();
}

absl::Status ClusterState::ValidateRequest(const AllocationRequest& r) const {
  if (r.node < 0 || r.node >= node_count() || !nodes_[r.node].alive) {
    return absl::NotFoundError(absl::StrCat("allocation.node: index ", r.node, " not found"));
  }
  const NodeRuntime& rt = nodes_[r.node];
  const NodeSpec& spec = specs_[r.node];
  if (r.cpu.raw() < 0 || r.memory.raw() < 0 || r.device_memory.raw() < 0) {
    return absl::InvalidArgumentError("allocation: cpu, memory and device_memory must be >= 0");
  }
  if (r.cpu > rt.free_cpu) {
    return absl::FailedPreconditionError(
        absl::StrCat("node '", spec.name, "': cpu ", r.cpu.raw(), " > free ", rt.free_cpu.raw()));
  }
  if (r.memory > rt.free_memory) {
    return absl::FailedPreconditionError(absl::StrCat(
        "node '", spec.name, "': memory ", r.memory.raw(), " > free ", rt.free_memory.raw()));
  }
  if (r.devices.empty() != r.share.is_zero()) {
    return absl::InvalidArgumentError("allocation: devices and share must both be set or empty");
  }
  if (r.share.raw() < 0 || r.share.raw() > kMilliPerDevice) {
    return absl::InvalidArgumentError(
        absl::StrCat("allocation.share: must be in [0, 1000], got ", r.share.raw()));
  }
  for (size_t i = 0; i < r.devices.size(); ++i) {
    int32_t d = r.devices[i];
    if (d < 0 || d >= rt.device_count) {
      return absl::InvalidArgumentError(
          absl::StrCat("allocation.devices[", i, "]: node '", spec.name, "' has no device ", d));
    }
    if (i > 0 && r.devices[i - 1] >= d) {
      return absl::InvalidArgumentError("allocation.devices: must be strictly ascending");
    }
    size_t at = static_cast<size_t>(rt.device_begin + d);
    if (dev_healthy_[at] == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("node '", spec.name, "' device ", d, " is unhealthy"));
    }
    if (dev_free_[at] < r.share) {
      return absl::FailedPreconditionError(absl::StrCat("node '", spec.name, "' device ", d,
                                                        ": share ", r.share.raw(), " > free ",
                                                        dev_free_[at].raw()));
    }
    MiB mem = r.share.raw() == kMilliPerDevice ? dev_free_memory_[at] : r.device_memory;
    if (r.share.raw() == kMilliPerDevice && dev_free_memory_[at] != spec.devices[d].memory) {
      return absl::FailedPreconditionError("whole-card allocation on a shared device");
    }
    if (mem > dev_free_memory_[at]) {
      return absl::FailedPreconditionError(absl::StrCat("node '", spec.name, "' device ", d,
                                                        ": device memory ", mem.raw(), " > free ",
                                                        dev_free_memory_[at].raw()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<AllocationId> ClusterState::Assume(AllocationRequest r) {
  MC_RETURN_IF_ERROR(ValidateRequest(r));
  NodeIndex n = r.node;
  NodeRuntime& rt = nodes_[n];
  Unindex(n);
  rt.free_cpu -= r.cpu;
  rt.free_memory -= r.memory;
  for (int32_t d : r.devices) {
    size_t at = static_cast<size_t>(rt.device_begin + d);
    MiB mem = r.share.raw() == kMilliPerDevice ? dev_free_memory_[at] : r.device_memory;
    dev_free_[at] -= r.share;
    dev_free_memory_[at] -= mem;
  }
  if (r.share.raw() == kMilliPerDevice) r.device_memory = MiB::Zero();
  RecomputeSummary(n);
  Reindex(n);
  AllocationId id = next_allocation_++;
  node_allocs_[n].push_back(id);  // ids grow, so the list stays ascending
  Allocation a;
  a.request = std::move(r);
  a.sequence = id;
  allocations_.emplace(id, std::move(a));
  return id;
}

absl::Status ClusterState::Bind(AllocationId id) {
  auto it = allocations_.find(id);
  if (it == allocations_.end()) {
    return absl::NotFoundError(absl::StrCat("allocation ", id, " not found"));
  }
  it->second.bound = true;
  return absl::OkStatus();
}

absl::Status ClusterState::Forget(AllocationId id) {
  auto it = allocations_.find(id);
  if (it == allocations_.end()) {
    return absl::NotFoundError(absl::StrCat("allocation ", id, " not found"));
  }
  const AllocationRequest& r = it->second.request;
  NodeIndex n = r.node;
  NodeRuntime& rt = nodes_[n];
  bool indexed = rt.alive;
  if (indexed) Unindex(n);
  rt.free_cpu += r.cpu;
  rt.free_memory += r.memory;
  for (int32_t d : r.devices) {
    size_t at = static_cast<size_t>(rt.device_begin + d);
    dev_free_[at] += r.share;
    dev_free_memory_[at] +=
        r.share.raw() == kMilliPerDevice ? spec(n).devices[d].memory : r.device_memory;
  }
  RecomputeSummary(n);
  if (indexed) Reindex(n);
  auto& list = node_allocs_[n];
  list.erase(std::lower_bound(list.begin(), list.end(), id));
  allocations_.erase(it);
  ++capacity_generation_;
  return absl::OkStatus();
}

absl::StatusOr<NodeIndex> ClusterState::FindNode(absl::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return absl::NotFoundError(absl::StrCat("node '", name, "' not found"));
  return it->second;
}

const Allocation* ClusterState::FindAllocation(AllocationId id) const {
  auto it = allocations_.find(id);
  return it == allocations_.end() ? nullptr : &it->second;
}

const std::vector<AllocationId>& ClusterState::AllocationsOnNode(NodeIndex n) const {
  static const std::vector<AllocationId>* const kEmpty = new std::vector<AllocationId>();
  if (n < 0 || n >= node_count()) return *kEmpty;
  return node_allocs_[n];
}

std::vector<AllocationId> ClusterState::AllocationsOnDevice(NodeIndex n, int32_t device) const {
  std::vector<AllocationId> out;
  if (n < 0 || n >= node_count()) return out;
  for (AllocationId id : node_allocs_[n]) {
    const auto& devs = allocations_.at(id).request.devices;
    if (std::binary_search(devs.begin(), devs.end(), device)) out.push_back(id);
  }
  return out;
}

NodeView ClusterState::view(NodeIndex n) const {
  const NodeRuntime& rt = nodes_[n];
  size_t b = static_cast<size_t>(rt.device_begin);
  size_t c = static_cast<size_t>(rt.device_count);
  return NodeView(n, &specs_[n], &rt, absl::MakeConstSpan(dev_free_.data() + b, c),
                  absl::MakeConstSpan(dev_free_memory_.data() + b, c),
                  absl::MakeConstSpan(dev_healthy_.data() + b, c));
}

const NodeBitset& ClusterState::NodesWithFreeWhole(int32_t model, int32_t k) const {
  if (model < 0 || model >= static_cast<int32_t>(models_.size())) return empty_;
  const auto& v = models_[model].by_whole;
  if (k < 0 || k >= static_cast<int32_t>(v.size())) return empty_;
  return v[k];
}

int32_t ClusterState::MaxDevicesPerNode(int32_t model) const {
  if (model < 0 || model >= static_cast<int32_t>(models_.size())) return 0;
  return std::max<int32_t>(0, static_cast<int32_t>(models_[model].by_whole.size()) - 1);
}

const NodeBitset& ClusterState::NodesWithShareBucket(int32_t model, int32_t bucket) const {
  if (model < 0 || model >= static_cast<int32_t>(models_.size())) return empty_;
  const auto& v = models_[model].by_share;
  if (bucket < 0 || bucket >= static_cast<int32_t>(v.size())) return empty_;
  return v[bucket];
}

void ClusterState::RecomputeSummary(NodeIndex n) {
  NodeRuntime& rt = nodes_[n];
  int16_t whole = 0;
  int64_t max_share = 0;
  for (int32_t d = 0; d < rt.device_count; ++d) {
    size_t at = static_cast<size_t>(rt.device_begin + d);
    if (dev_healthy_[at] == 0) continue;
    int64_t f = dev_free_[at].raw();
    if (f == kMilliPerDevice) ++whole;
    max_share = std::max(max_share, f);
  }
  rt.free_whole = whole;
  rt.max_share = static_cast<int16_t>(max_share);
}

void ClusterState::Unindex(NodeIndex n) {
  const NodeRuntime& rt = nodes_[n];
  by_arch_[static_cast<int>(specs_[n].arch)].Reset(n);
  deviceless_.Reset(n);
  if (rt.model < 0) return;
  ModelIndex& m = models_[rt.model];
  if (rt.free_whole < static_cast<int32_t>(m.by_whole.size())) m.by_whole[rt.free_whole].Reset(n);
  m.by_share[ShareBucket(rt.max_share)].Reset(n);
}

void ClusterState::Reindex(NodeIndex n) {
  const NodeRuntime& rt = nodes_[n];
  if (!rt.alive) return;
  by_arch_[static_cast<int>(specs_[n].arch)].Set(n);
  if (rt.device_count == 0) deviceless_.Set(n);
  if (rt.model < 0) return;
  ModelIndex& m = EnsureModel(rt.model, rt.device_count);
  m.by_whole[rt.free_whole].Set(n);
  m.by_share[ShareBucket(rt.max_share)].Set(n);
}

absl::Status ClusterState::CheckConsistency() const {
  // Recompute free capacity from the specs and the allocations.
  std::vector<int64_t> cpu(nodes_.size()), mem(nodes_.size());
  std::vector<int64_t> dfree(dev_free_.size()), dmem(dev_free_.size());
  for (size_t n = 0; n < nodes_.size(); ++n) {
    cpu[n] = specs_[n].cpu.raw();
    mem[n] = specs_[n].memory.raw();
    for (int32_t d = 0; d < nodes_[n].device_count; ++d) {
      size_t at = static_cast<size_t>(nodes_[n].device_begin + d);
      if (!nodes_[n].alive) {  // devices released; nothing is allocated there
        dfree[at] = dev_free_[at].raw();
        dmem[at] = dev_free_memory_[at].raw();
        continue;
      }
      bool h = specs_[n].devices[d].healthy;
      if (h != (dev_healthy_[at] != 0)) {
        return absl::InternalError(absl::StrCat("node ", n, " device ", d, ": health mismatch"));
      }
      dfree[at] = h ? kMilliPerDevice : 0;
      dmem[at] = h ? specs_[n].devices[d].memory.raw() : 0;
    }
  }
  std::vector<size_t> per_node(nodes_.size(), 0);
  for (const auto& [id, a] : allocations_) {  // order irrelevant: sums only
    const AllocationRequest& r = a.request;
    cpu[r.node] -= r.cpu.raw();
    mem[r.node] -= r.memory.raw();
    ++per_node[r.node];
    for (int32_t d : r.devices) {
      size_t at = static_cast<size_t>(nodes_[r.node].device_begin + d);
      dfree[at] -= r.share.raw();
      dmem[at] -= r.share.raw() == kMilliPerDevice ? specs_[r.node].devices[d].memory.raw()
                                                   : r.device_memory.raw();
    }
  }
  for (size_t n = 0; n < nodes_.size(); ++n) {
    const NodeRuntime& rt = nodes_[n];
    if (per_node[n] != node_allocs_[n].size()) {
      return absl::InternalError(absl::StrCat("node ", n, ": allocation list mismatch"));
    }
    if (cpu[n] != rt.free_cpu.raw() || cpu[n] < 0) {
      return absl::InternalError(absl::StrCat("node ", n, ": free cpu ", rt.free_cpu.raw(),
                                              " != capacity - used ", cpu[n]));
    }
    if (mem[n] != rt.free_memory.raw() || mem[n] < 0) {
      return absl::InternalError(absl::StrCat("node ", n, ": free memory ", rt.free_memory.raw(),
                                              " != capacity - used ", mem[n]));
    }
    int16_t whole = 0;
    int64_t max_share = 0;
    for (int32_t d = 0; d < rt.device_count; ++d) {
      size_t at = static_cast<size_t>(rt.device_begin + d);
      if (dfree[at] != dev_free_[at].raw() || dfree[at] < 0) {
        return absl::InternalError(absl::StrCat("node ", n, " device ", d, ": free ",
                                                dev_free_[at].raw(), " != capacity - used ",
                                                dfree[at]));
      }
      if (dmem[at] != dev_free_memory_[at].raw() || dmem[at] < 0) {
        return absl::InternalError(absl::StrCat("node ", n, " device ", d, ": free memory ",
                                                dev_free_memory_[at].raw(), " != capacity - used ",
                                                dmem[at]));
      }
      if (dev_healthy_[at] == 0) continue;
      if (dfree[at] == kMilliPerDevice) ++whole;
      max_share = std::max(max_share, dfree[at]);
    }
    if (whole != rt.free_whole || max_share != rt.max_share) {
      return absl::InternalError(absl::StrCat("node ", n, ": summary mismatch"));
    }
  }
  // Rebuild the indexes and compare.
  std::vector<ModelIndex> models(models_.size());
  NodeBitset arch[kArchCount];
  NodeBitset deviceless;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    NodeIndex n = static_cast<NodeIndex>(i);
    const NodeRuntime& rt = nodes_[n];
    if (!rt.alive) continue;
    arch[static_cast<int>(specs_[n].arch)].Set(n);
    if (rt.device_count == 0) deviceless.Set(n);
    if (rt.model < 0) continue;
    ModelIndex& m = models[rt.model];
    if (static_cast<int32_t>(m.by_whole.size()) < rt.device_count + 1) {
      m.by_whole.resize(rt.device_count + 1);
    }
    if (m.by_share.empty()) m.by_share.resize(kShareBuckets);
    m.by_whole[rt.free_whole].Set(n);
    m.by_share[ShareBucket(rt.max_share)].Set(n);
  }
  for (int a = 0; a < kArchCount; ++a) {
    if (!(arch[a] == by_arch_[a])) return absl::InternalError(absl::StrCat("arch index ", a));
  }
  if (!(deviceless == deviceless_)) return absl::InternalError("deviceless index mismatch");
  for (size_t m = 0; m < models.size(); ++m) {
    const ModelIndex& want = models[m];
    const ModelIndex& have = models_[m];
    for (size_t k = 0; k < std::max(want.by_whole.size(), have.by_whole.size()); ++k) {
      const NodeBitset& w = k < want.by_whole.size() ? want.by_whole[k] : empty_;
      const NodeBitset& h = k < have.by_whole.size() ? have.by_whole[k] : empty_;
      if (!(w == h)) {
        return absl::InternalError(
            absl::StrCat("model ", m, " whole-card bucket ", k, " disagrees with a rescan"));
      }
    }
    for (size_t b = 0; b < static_cast<size_t>(kShareBuckets); ++b) {
      const NodeBitset& w = b < want.by_share.size() ? want.by_share[b] : empty_;
      const NodeBitset& h = b < have.by_share.size() ? have.by_share[b] : empty_;
      if (!(w == h)) {
        return absl::InternalError(
            absl::StrCat("model ", m, " share bucket ", b, " disagrees with a rescan"));
      }
    }
  }
  return absl::OkStatus();
}

absl::string_view ClusterState::device_uuid(NodeIndex n, int32_t device) const {
  if (n < 0 || n >= node_count()) return absl::string_view();
  return ids_[n].uuid(device);
}

absl::string_view ClusterState::device_pci_bus_id(NodeIndex n, int32_t device) const {
  if (n < 0 || n >= node_count()) return absl::string_view();
  return ids_[n].pci_bus_id(device);
}

NodeSpec ClusterState::SpecWithIdentity(NodeIndex n) const {
  NodeSpec out = specs_[n];
  DeviceList::Table table = out.devices.table();
  for (size_t d = 0; d < table.size(); ++d) {
    table[d].uuid = std::string(ids_[n].uuid(static_cast<int32_t>(d)));
    table[d].pci_bus_id = std::string(ids_[n].pci_bus_id(static_cast<int32_t>(d)));
  }
  out.devices = std::move(table);
  return out;
}

size_t ClusterState::device_table_count() const { return device_tables_->size(); }

namespace {

// Heap bytes of containers and strings (inline bytes are counted with the
// object that holds them). libstdc++: a string's heap buffer exists past 15
// chars; a std::map node is the rb-tree header (32 bytes) plus the value.
size_t Heap(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

size_t Heap(const std::vector<std::string>& v) {
  size_t b = v.capacity() * sizeof(std::string);
  for (const std::string& s : v) b += Heap(s);
  return b;
}

size_t Heap(const std::map<std::string, std::string>& m) {
  constexpr size_t kNode = 32 + 2 * sizeof(std::string);
  size_t b = 0;
  for (const auto& [k, v] : m) b += kNode + Heap(k) + Heap(v);
  return b;
}

size_t HeapOfStrings(const std::vector<std::string>& v) {
  size_t b = 0;
  for (const std::string& s : v) b += Heap(s);
  return b;
}

// What the devices own (the table's own array is counted by InternTable).
size_t HeapOfDevices(const DeviceList::Table& t) {
  size_t b = 0;
  for (const DeviceSpec& d : t) {
    b += Heap(d.uuid) + Heap(d.health_reason) + Heap(d.link_group) + Heap(d.pci_bus_id);
    b += d.links.capacity() * sizeof(DeviceLinkSpec);
  }
  return b;
}

size_t Heap(const NodeSpec& s) {
  size_t b = Heap(s.name) + Heap(s.cpu_model) + Heap(s.labels) + Heap(s.topology_path) +
             Heap(s.board) + Heap(s.software);
  b += s.taints.capacity() * sizeof(TaintSpec);
  for (const TaintSpec& t : s.taints) b += Heap(t.key) + Heap(t.value);
  // Device table and CPU features are shared: counted once, by their
  // InternTables.
  return b;
}

}  // namespace

size_t ClusterState::MemoryBytes() const {
  size_t b = sizeof(*this);
  b += specs_.capacity() * sizeof(NodeSpec);
  for (const NodeSpec& s : specs_) b += Heap(s);
  b += ids_.capacity() * sizeof(internal::DeviceIds);
  for (const internal::DeviceIds& ids : ids_) b += ids.MemoryBytes();
  b += sizeof(*device_tables_) + device_tables_->MemoryBytes(HeapOfDevices);
  b += sizeof(*cpu_feature_lists_) + cpu_feature_lists_->MemoryBytes(HeapOfStrings);
  b += nodes_.capacity() * sizeof(NodeRuntime);
  b += dev_free_.capacity() * sizeof(MilliDevices) + dev_free_memory_.capacity() * sizeof(MiB) +
       dev_healthy_.capacity();
  b += node_allocs_.capacity() * sizeof(std::vector<AllocationId>);
  for (const auto& v : node_allocs_) b += v.capacity() * sizeof(AllocationId);
  b += by_name_.capacity() * (sizeof(std::string) + sizeof(NodeIndex) + 1);
  for (const auto& [name, n] : by_name_) b += Heap(name);
  b += allocations_.capacity() * (sizeof(AllocationId) + sizeof(Allocation) + 1);
  for (const auto& [id, a] : allocations_) {
    b += Heap(a.request.task.job_id) + a.request.devices.capacity() * sizeof(int32_t);
  }
  b += models_.capacity() * sizeof(ModelIndex);
  for (const ModelIndex& m : models_) {
    b += m.by_whole.capacity() * sizeof(NodeBitset) + m.by_share.capacity() * sizeof(NodeBitset);
    for (const NodeBitset& s : m.by_whole) b += s.MemoryBytes();
    for (const NodeBitset& s : m.by_share) b += s.MemoryBytes();
  }
  for (const NodeBitset& s : by_arch_) b += s.MemoryBytes();
  b += deviceless_.MemoryBytes();
  return b;
}

}  // namespace manychip
