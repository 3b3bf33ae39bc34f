#pragma once

// ClusterState is the scheduler's model of nodes, devices and allocations.
//
// Storage is contiguous: nodes live in a vector indexed by `NodeIndex` (a
// removed node leaves a tombstone so indexes stay stable), every node's
// devices sit in one shared vector of per-device free capacity. Free-capacity
// indexes (per device model: nodes bucketed by free whole cards and by largest
// free share; per host arch) let a filter visit only nodes that can hold a
// request instead of scanning all of them. Index iteration is in node-index
// order, so nothing depends on hash order.
//
// Memory (the target is <= 2 KiB per node at 12,500 nodes): a node's device
// table is mostly board wiring (model, memory, NUMA node, link group,
// physical id, links) that every node of the same board repeats. AddNode
// moves each device's identity (UUID, PCI bus id) into a compact per-node
// record (internal::DeviceIds) and interns what remains: nodes with equal
// tables share one immutable `DeviceList` table (device_list.h), forgotten
// when the last of them is removed. Device health lives in that table too,
// so a health change swaps the node to another interned table (an
// all-healthy board and the same board with device 3 down are two tables)
// and never writes a shared one. CPU feature lists (the same few per CPU
// generation) are interned the same way. Consequently
// `spec(n).devices[d].uuid` and `.pci_bus_id` read empty here: use
// `device_uuid`, `device_pci_bus_id` or `SpecWithIdentity`.
//
// Every mutation of capacity goes through Assume / Forget / Bind, so used +
// free = allocatable holds for every resource on every node at all times
// (`CheckConsistency` proves it and recomputes the indexes from scratch).
//
// Thread-safety: not thread-safe. Owned and mutated only by the scheduler
// core's thread (see scheduler.h).
//
//   ClusterState state(&catalog);
//   MC_ASSIGN_OR_RETURN(NodeIndex n, state.AddNode(node_spec));
//   MC_ASSIGN_OR_RETURN(AllocationId a, state.Assume(request));
//   MC_RETURN_IF_ERROR(state.Bind(a));
//   MC_RETURN_IF_ERROR(state.Forget(a));   // task ended

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "manychip/core/catalog.h"
#include "manychip/core/node.h"
#include "manychip/core/node_bitset.h"
#include "manychip/resources.h"

namespace manychip {
namespace internal {
// Storage details of ClusterState, private to the core (src/core).
class DeviceIds;
template <typename T>
class InternTable;
}  // namespace internal

using NodeIndex = int32_t;
using AllocationId = int64_t;
inline constexpr NodeIndex kNoNode = -1;

// Identifies one task of one job: task `task` of task group `group`.
struct TaskRef {
  std::string job_id;
  int32_t group = 0;
  int32_t task = 0;
  bool operator==(const TaskRef&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const TaskRef& t) {
    return H::combine(std::move(h), t.job_id, t.group, t.task);
  }
};

// What one task takes from one node.
struct AllocationRequest {
  TaskRef task;
  NodeIndex node = kNoNode;
  std::vector<int32_t> devices;               // device indexes on the node
  MilliDevices share = MilliDevices::Zero();  // per chosen device (1000 = whole)
  MiB device_memory;                          // per chosen device, fractional only
  MilliCpu cpu;
  MiB memory;
  int32_t priority = 0;  // for preemption
  bool preemptible = false;
};

struct Allocation {
  AllocationRequest request;
  bool bound = false;    // false: assumed in a cycle, not yet bound
  int64_t sequence = 0;  // assumption order, for deterministic victim order
};

// Runtime state of one node, compact (the spec is kept beside it).
struct NodeRuntime {
  MilliCpu free_cpu;
  MiB free_memory;
  int32_t device_begin = 0;  // into the shared device arrays
  int16_t device_count = 0;
  int16_t free_whole = 0;  // healthy devices with nothing allocated
  int32_t model = -1;      // catalog index of the node's devices; -1: none or mixed
  int16_t max_share = 0;   // largest free milli on one healthy device
  bool alive = true;       // false once removed (tombstone)
  bool ready = true;
  bool schedulable = true;  // false: cordoned / draining
};

// A read-only view of one node for filters and scorers. `spec().devices`
// carry no UUID or PCI bus id (see ClusterState).
class NodeView {
 public:
  NodeView(NodeIndex index, const NodeSpec* spec, const NodeRuntime* rt,
           absl::Span<const MilliDevices> free, absl::Span<const MiB> free_memory,
           absl::Span<const uint8_t> healthy)
      : index_(index),
        spec_(spec),
        rt_(rt),
        free_(free),
        free_memory_(free_memory),
        healthy_(healthy) {}

  NodeIndex index() const { return index_; }
  const NodeSpec& spec() const { return *spec_; }
  const NodeRuntime& runtime() const { return *rt_; }
  MilliCpu free_cpu() const { return rt_->free_cpu; }
  MiB free_memory() const { return rt_->free_memory; }
  int32_t model() const { return rt_->model; }
  int32_t free_whole_cards() const { return rt_->free_whole; }
  int32_t max_free_share() const { return rt_->max_share; }
  bool ready() const { return rt_->ready; }
  bool schedulable() const { return rt_->schedulable; }
  // Per device, index-aligned with spec().devices; unhealthy devices read 0.
  absl::Span<const MilliDevices> device_free() const { return free_; }
  absl::Span<const MiB> device_free_memory() const { return free_memory_; }
  bool device_healthy(int32_t d) const { return healthy_[d] != 0; }

 private:
  NodeIndex index_;
  const NodeSpec* spec_;
  const NodeRuntime* rt_;
  absl::Span<const MilliDevices> free_;
  absl::Span<const MiB> free_memory_;
  absl::Span<const uint8_t> healthy_;
};

class ClusterState {
 public:
  // `catalog` must outlive the state.
  explicit ClusterState(const Catalog* catalog);
  ~ClusterState();
  ClusterState(const ClusterState&) = delete;
  ClusterState& operator=(const ClusterState&) = delete;

  // InvalidArgument on a bad spec (unknown model, bad device indexes, negative
  // capacity); AlreadyExists on a duplicate live name.
  absl::StatusOr<NodeIndex> AddNode(NodeSpec spec);
  // FailedPrecondition while allocations remain (forget them first).
  absl::Status RemoveNode(NodeIndex node);
  absl::Status SetReady(NodeIndex node, bool ready);
  absl::Status SetSchedulable(NodeIndex node, bool schedulable);
  // Marks a device (un)healthy. Making a device unhealthy while allocations
  // use it is FailedPrecondition: forget them first (AllocationsOnDevice).
  absl::Status SetDeviceHealth(NodeIndex node, int32_t device, bool healthy,
                               absl::string_view reason);

  // Takes capacity for a task. InvalidArgument/FailedPrecondition if it does
  // not fit or is malformed; the state is unchanged on error.
  absl::StatusOr<AllocationId> Assume(AllocationRequest request);
  // Marks an assumed allocation bound (the task was handed to its node).
  absl::Status Bind(AllocationId id);
  // Returns an allocation's capacity. NotFound if unknown.
  absl::Status Forget(AllocationId id);

  // Lookups.
  absl::StatusOr<NodeIndex> FindNode(absl::string_view name) const;
  const Allocation* FindAllocation(AllocationId id) const;
  // Allocation ids on a node / device, ascending (= assumption order).
  const std::vector<AllocationId>& AllocationsOnNode(NodeIndex node) const;
  std::vector<AllocationId> AllocationsOnDevice(NodeIndex node, int32_t device) const;

  NodeView view(NodeIndex node) const;
  // The node as added, without device identities (see above); the devices
  // of a removed node are released (empty).
  const NodeSpec& spec(NodeIndex node) const { return specs_[node]; }
  // Device identity as the inventory reported it; empty when it had none.
  absl::string_view device_uuid(NodeIndex node, int32_t device) const;
  absl::string_view device_pci_bus_id(NodeIndex node, int32_t device) const;
  // The node as added, device identities included: a copy, for the rare
  // callers that need them (device visibility at bind time, export).
  NodeSpec SpecWithIdentity(NodeIndex node) const;
  // Distinct interned device tables held (for tests and memory reports).
  size_t device_table_count() const;
  const NodeRuntime& runtime(NodeIndex node) const { return nodes_[node]; }
  // Node slots including tombstones; iterate 0..node_count()-1 and skip !alive.
  int32_t node_count() const { return static_cast<int32_t>(nodes_.size()); }
  int32_t live_node_count() const { return live_nodes_; }
  size_t allocation_count() const { return allocations_.size(); }
  const Catalog& catalog() const { return *catalog_; }

  // Free-capacity indexes. Nodes of `model` with exactly `k` free whole
  // cards; nodes of `model` whose largest free share is in [100*b, 100*b+99]
  // (b = 10: a whole card); live nodes of `arch`. Empty bitset when none.
  const NodeBitset& NodesWithFreeWhole(int32_t model, int32_t k) const;
  int32_t MaxDevicesPerNode(int32_t model) const;
  const NodeBitset& NodesWithShareBucket(int32_t model, int32_t bucket) const;
  static constexpr int32_t kShareBuckets = 11;
  const NodeBitset& NodesOfArch(Arch arch) const { return by_arch_[static_cast<int>(arch)]; }
  // Live nodes with no devices (CPU-only hosts).
  const NodeBitset& DevicelessNodes() const { return deviceless_; }

  // Recomputes every node's free capacity and every index from the specs and
  // allocations, and compares: Internal naming the first mismatch.
  absl::Status CheckConsistency() const;

  // Bytes held by the state: inline and heap of every node record, string,
  // map, device table (each shared table once), index and allocation.
  // Allocator overhead is not counted.
  size_t MemoryBytes() const;

  // Capacity counters bump on every change that may let a pending task fit
  // (capacity freed, node added or made ready, device healthy again).
  uint64_t capacity_generation() const { return capacity_generation_; }

 private:
  struct ModelIndex {
    std::vector<NodeBitset> by_whole;  // [k]
    std::vector<NodeBitset> by_share;  // [bucket]
  };
  void Unindex(NodeIndex n);
  void Reindex(NodeIndex n);
  void RecomputeSummary(NodeIndex n);
  ModelIndex& EnsureModel(int32_t model, int32_t devices);
  absl::Status ValidateRequest(const AllocationRequest& r) const;

  const Catalog* catalog_;
  std::vector<NodeSpec> specs_;  // device identities moved to ids_
  // The storage types are private to src/core, hence the out-of-line
  // destructor and the indirection.
  std::vector<internal::DeviceIds> ids_;  // per node
  std::unique_ptr<internal::InternTable<DeviceSpec>> device_tables_;
  std::unique_ptr<internal::InternTable<std::string>> cpu_feature_lists_;
  std::vector<NodeRuntime> nodes_;
  std::vector<MilliDevices> dev_free_;
  std::vector<MiB> dev_free_memory_;
  std::vector<uint8_t> dev_healthy_;
  std::vector<std::vector<AllocationId>> node_allocs_;   // ascending
  absl::flat_hash_map<std::string, NodeIndex> by_name_;  // live nodes only
  absl::flat_hash_map<AllocationId, Allocation> allocations_;
  std::vector<ModelIndex> models_;  // by catalog index
  NodeBitset by_arch_[kArchCount];
  NodeBitset deviceless_;
  NodeBitset empty_;
  AllocationId next_allocation_ = 1;
  int32_t live_nodes_ = 0;
  uint64_t capacity_generation_ = 0;
};

}  // namespace manychip
