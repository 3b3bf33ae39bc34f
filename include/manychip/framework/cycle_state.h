#pragma once

// CycleState: everything the framework knows while placing one task of one
// job in one flavor, shared by the plugins for that attempt.
//
// The scheduler fills the read-only part (job, group, flavor, demand, gang
// progress, allowed nodes); plugins may
//   - propose the device set for a node (`ProposeDevices`): the device
//     topology filter stores the vendor adapter's `Choose`; a score plugin
//     that knows better (FGD picks the GPU that least fragments the node)
//     overwrites it. Reserve takes the proposal for the chosen node, or the
//     generic lowest-index choice when nobody proposed one;
//   - keep scratch data between their own PreFilter/PreScore/Score calls
//     (`Write`/`Read`, keyed by the plugin's name).
//
// Thread-safety: owned by the scheduler thread for one attempt.
//
//   const DemandSpec& d = state.demand();
//   state.ProposeDevices(node.index(), {2, 3}, /*score=*/90);

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "manychip/core/cluster_state.h"
#include "manychip/core/job.h"

namespace manychip {

// Base for plugin scratch data kept in a CycleState.
class CycleStateData {
 public:
  virtual ~CycleStateData() = default;
};

struct DeviceProposal {
  std::vector<int32_t> devices;
  int32_t score = 0;  // the proposer's own 0..100 quality, e.g. adapter Choose score
};

class CycleState {
 public:
  CycleState(const JobSpec* job, int32_t group, int32_t flavor, int32_t task)
      : job_(job), group_(group), flavor_(flavor), task_(task) {}

  const JobSpec& job() const { return *job_; }
  int32_t group() const { return group_; }
  int32_t flavor_index() const { return flavor_; }
  int32_t task() const { return task_; }
  // The scheduler reuses one CycleState for all tasks of a gang attempt.
  void set_task(int32_t task) { task_ = task; }
  const TaskGroupSpec& task_group() const { return job_->task_groups[group_]; }
  const FlavorSpec& flavor() const { return task_group().flavors[flavor_]; }
  const DemandSpec& demand() const { return flavor().demand; }

  // Gang context: nodes already holding tasks of this job in this cycle
  // (one entry per task, in placement order), and the gang's size.
  const std::vector<NodeIndex>& gang_nodes() const { return gang_nodes_; }
  int32_t gang_size() const { return gang_size_; }
  void SetGang(std::vector<NodeIndex> nodes, int32_t size) {
    gang_nodes_ = std::move(nodes);
    gang_size_ = size;
  }

  // Topology narrowing (PreFilter): when set, only these nodes are candidates.
  bool restricted() const { return restricted_; }
  const NodeBitset& allowed() const { return allowed_; }
  void Restrict(NodeBitset allowed) {
    allowed_ = std::move(allowed);
    restricted_ = true;
  }
  void ClearRestriction() {
    allowed_ = NodeBitset();
    restricted_ = false;
  }

  void ProposeDevices(NodeIndex node, std::vector<int32_t> devices, int32_t score) {
    proposals_[node] = DeviceProposal{std::move(devices), score};
  }
  // nullptr if nobody proposed devices for `node`.
  const DeviceProposal* Proposal(NodeIndex node) const {
    auto it = proposals_.find(node);
    return it == proposals_.end() ? nullptr : &it->second;
  }
  void ClearProposals() { proposals_.clear(); }
  // Pre-sizes the proposal table (the scheduler passes its feasible-node cap).
  void ReserveProposals(size_t n) { proposals_.reserve(n); }

  void Write(absl::string_view key, std::unique_ptr<CycleStateData> data) {
    data_[key] = std::move(data);
  }
  // nullptr if absent or of another type.
  template <class T>
  T* Read(absl::string_view key) const {
    auto it = data_.find(key);
    return it == data_.end() ? nullptr : dynamic_cast<T*>(it->second.get());
  }

 private:
  const JobSpec* job_;
  int32_t group_;
  int32_t flavor_;
  int32_t task_;
  std::vector<NodeIndex> gang_nodes_;
  int32_t gang_size_ = 1;
  bool restricted_ = false;
  NodeBitset allowed_;
  absl::flat_hash_map<NodeIndex, DeviceProposal> proposals_;
  absl::flat_hash_map<std::string, std::unique_ptr<CycleStateData>> data_;
};

}  // namespace manychip
