#pragma once

// CycleState: everything the framework knows while placing one task of one
// job in one flavor, shared by the plugins for that attempt.
//
// The scheduler fills the read-only part (job, group, flavor, demand, gang
// progress, allowed nodes); plugins may
//   - propose the device set for a node (`ProposeDevices`, or `DeferDevices`
//     to pick only for the node the scheduler chooses). Who picks is decided
//     by rank, not by call order:
//       1. A score plugin that claims the pick while it scores outranks
//          every proposal made outside scoring (the device topology filter's
//          vendor-adapter `Choose`): FGD knows which GPU least fragments the
//          node, the adapter only knows a legal set.
//       2. Among claiming score plugins, the highest profile weight wins;
//          on equal weight, the plugin listed first in the profile. A claim
//          from a lower-ranked plugin is ignored, so a second score plugin
//          cannot silently take over the device choice of the first.
//       3. Proposals made outside scoring (Filter, PreFilter) overwrite one
//          another; the last one for a node stands.
//     Reserve takes the best-ranked pick for the chosen node, or the generic
//     lowest-index choice when nobody picked;
//   - keep scratch data between their own PreFilter/PreScore/Score calls
//     (`Write`/`Read`, keyed by the plugin's name).
//
// Thread-safety: owned by the scheduler thread for one attempt.
//
//   const DemandSpec& d = state.demand();
//   state.ProposeDevices(node.index(), {2, 3}, /*score=*/90);

#include <climits>
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
class CycleState;

class CycleStateData {
 public:
  virtual ~CycleStateData() = default;
};

// A score plugin that picks devices for every node it scores can defer the
// pick until the scheduler has chosen the node (`CycleState::DeferDevices`),
// instead of proposing a device set for each of thousands of nodes per task.
// Added for the openb simulator's speed (issue #6); `ProposeDevices` keeps
// its meaning for everyone else.
class DeviceChooser {
 public:
  virtual ~DeviceChooser() = default;
  // The devices for `node` as the plugin scored it, or empty to fall back to
  // the node's proposal. Called at most once per placed task, with the node
  // in the state it was scored in.
  virtual std::vector<int32_t> ChooseDevices(const CycleState& state,
                                             const NodeView& node) const = 0;
};

struct DeviceProposal {
  std::vector<int32_t> devices;
  int32_t score = 0;  // the proposer's own 0..100 quality, e.g. adapter Choose score
  // Rank of the proposer (lower wins): a score plugin's rank, or
  // `CycleState::kUnranked` outside scoring. See the class comment.
  int32_t rank = INT32_MAX;
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

  // Rank of proposals made outside scoring.
  static constexpr int32_t kUnranked = INT32_MAX;
  // Set by the scheduler only: the rank of the score plugin now running
  // (0 = highest weight), or kUnranked outside scoring.
  void SetProposerRank(int32_t rank) { rank_ = rank; }
  int32_t proposer_rank() const { return rank_; }

  // Ignored when a better-ranked plugin already proposed for `node`.
  void ProposeDevices(NodeIndex node, std::vector<int32_t> devices, int32_t score) {
    auto [it, fresh] = proposals_.try_emplace(node);
    if (!fresh && it->second.rank < rank_) return;
    it->second = DeviceProposal{std::move(devices), score, rank_};
  }
  // nullptr if nobody proposed devices for `node`.
  const DeviceProposal* Proposal(NodeIndex node) const {
    auto it = proposals_.find(node);
    return it == proposals_.end() ? nullptr : &it->second;
  }
  void ClearProposals() {
    proposals_.clear();
    chooser_ = nullptr;
    chooser_rank_ = kUnranked;
  }
  // Defers the device pick of every scored node to `chooser` (which must
  // outlive the attempt). Ranked like `ProposeDevices`: ignored when a
  // better-ranked plugin already deferred.
  void DeferDevices(const DeviceChooser* chooser) {
    if (chooser_ != nullptr && chooser_rank_ < rank_) return;
    chooser_ = chooser;
    chooser_rank_ = rank_;
  }
  const DeviceChooser* device_chooser() const { return chooser_; }
  int32_t device_chooser_rank() const { return chooser_rank_; }
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
  const DeviceChooser* chooser_ = nullptr;
  int32_t chooser_rank_ = kUnranked;
  int32_t rank_ = kUnranked;
  absl::flat_hash_map<std::string, std::unique_ptr<CycleStateData>> data_;
};

}  // namespace manychip
