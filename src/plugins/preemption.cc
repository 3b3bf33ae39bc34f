#include "src/plugins/preemption.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/container/inlined_vector.h"
#include "src/plugins/plugin_util.h"

namespace manychip::plugins {
namespace {

struct VictimJob {
  const std::string* job_id;
  int32_t priority;
  int64_t newest;  // highest allocation sequence on the node
  absl::InlinedVector<const Allocation*, 4> allocations;
};

// Free capacity of one node as victims are added or reprieved one at a time,
// so judging a victim set costs O(devices) per step, not O(victims).
class FreeAfter {
 public:
  explicit FreeAfter(const NodeView& node) : node_(node) {
    cpu_ = node.free_cpu().raw();
    mem_ = node.free_memory().raw();
    auto free = node.device_free();
    auto free_mem = node.device_free_memory();
    dev_.resize(free.size());
    dmem_.resize(free.size());
    for (size_t i = 0; i < free.size(); ++i) {
      dev_[i] = free[i].raw();
      dmem_[i] = free_mem[i].raw();
    }
  }
  // sign +1: the victim's tasks on this node are gone; -1: they stay.
  void Apply(const VictimJob& v, int sign) {
    const auto& specs = node_.spec().devices;
    for (const Allocation* a : v.allocations) {
      const AllocationRequest& r = a->request;
      cpu_ += sign * r.cpu.raw();
      mem_ += sign * r.memory.raw();
      for (int32_t x : r.devices) {
        dev_[x] += sign * r.share.raw();
        dmem_[x] += sign * (r.share.raw() == kMilliPerDevice ? specs[x].memory.raw()
                                                             : r.device_memory.raw());
      }
    }
  }
  bool Fits(const DemandSpec& d) const {
    if (cpu_ < d.cpu.raw() || mem_ < d.memory.raw()) return false;
    if (d.is_cpu_only()) return true;
    if (d.is_fractional()) {
      for (size_t i = 0; i < dev_.size(); ++i) {
        if (node_.device_healthy(static_cast<int32_t>(i)) && dev_[i] >= d.devices.raw() &&
            dmem_[i] >= d.device_memory.raw()) {
          return true;
        }
      }
      return false;
    }
    int32_t whole = 0;
    for (size_t i = 0; i < dev_.size(); ++i) {
      if (node_.device_healthy(static_cast<int32_t>(i)) && dev_[i] == kMilliPerDevice) ++whole;
    }
    return whole >= d.card_count();
  }

 private:
  const NodeView& node_;
  int64_t cpu_ = 0, mem_ = 0;
  absl::InlinedVector<int64_t, 16> dev_, dmem_;
};

}  // namespace

absl::StatusOr<PreemptionPlan> Preemption::PostFilter(CycleState& state) const {
  const ClusterState& cluster = *handle_.cluster;
  const int32_t prio = state.job().priority;
  const DemandSpec& d = state.demand();
  PreemptionPlan best;
  size_t best_count = SIZE_MAX;
  int32_t best_max_prio = INT32_MAX;
  int64_t best_milli = INT64_MAX;
  std::vector<VictimJob> victims;
  std::vector<bool> use;
  for (NodeIndex n = 0; n < cluster.node_count(); ++n) {
    const NodeRuntime& rt = cluster.runtime(n);
    if (!rt.alive) continue;
    if (!d.is_cpu_only() && !ModelAccepted(state.flavor(), rt.model)) continue;
    if (state.restricted() && !state.allowed().Test(n)) continue;
    const auto& ids = cluster.AllocationsOnNode(n);
    if (ids.empty()) continue;
    NodeView view = cluster.view(n);
    // Cheap bound first: could the node hold the task with everything gone?
    if (!d.is_cpu_only() && !d.is_fractional() &&
        static_cast<int32_t>(view.spec().devices.size()) < d.card_count()) {
      continue;
    }
    // Nodes the task could never use are skipped before any victim lookup.
    if (!arch_.Filter(state, view).fit() || !taints_.Filter(state, view).fit()) continue;
    if (!state.flavor().required_stacks.empty() && !stack_.Filter(state, view).fit()) continue;
    victims.clear();
    for (AllocationId id : ids) {
      const Allocation* a = cluster.FindAllocation(id);
      if (a == nullptr || !a->request.preemptible || a->request.priority >= prio) continue;
      auto it = std::find_if(victims.begin(), victims.end(), [&](const VictimJob& v) {
        return *v.job_id == a->request.task.job_id;
      });
      if (it == victims.end()) {
        victims.push_back(VictimJob{&a->request.task.job_id, a->request.priority, a->sequence, {}});
        it = victims.end() - 1;
      }
      it->newest = std::max(it->newest, a->sequence);
      it->allocations.push_back(a);
    }
    if (victims.empty()) continue;
    std::sort(victims.begin(), victims.end(), [](const VictimJob& a, const VictimJob& b) {
      if (a.priority != b.priority) return a.priority < b.priority;
      return a.newest > b.newest;
    });
    use.assign(victims.size(), false);
    FreeAfter after(view);
    size_t taken = 0;
    for (; taken < victims.size(); ++taken) {
      use[taken] = true;
      after.Apply(victims[taken], +1);
      if (after.Fits(d)) break;
    }
    if (taken == victims.size()) continue;  // even all victims are not enough
    // Reprieve: highest priority first, keep a victim if it is not needed.
    for (size_t v = taken + 1; v-- > 0;) {
      after.Apply(victims[v], -1);
      if (after.Fits(d)) {
        use[v] = false;
      } else {
        after.Apply(victims[v], +1);
      }
    }
    size_t count = 0;
    int32_t max_prio = INT32_MIN;
    int64_t milli = 0;  // device share the victims hold here: less is a smaller set
    for (size_t v = 0; v < victims.size(); ++v) {
      if (!use[v]) continue;
      ++count;
      max_prio = std::max(max_prio, victims[v].priority);
      for (const Allocation* a : victims[v].allocations) {
        milli += a->request.share.raw() * static_cast<int64_t>(a->request.devices.size());
      }
    }
    if (std::tie(count, max_prio, milli) < std::tie(best_count, best_max_prio, best_milli)) {
      best_count = count;
      best_max_prio = max_prio;
      best_milli = milli;
      best.node = n;
      best.victim_jobs.clear();
      for (size_t v = 0; v < victims.size(); ++v) {
        if (use[v]) best.victim_jobs.push_back(*victims[v].job_id);
      }
      std::sort(best.victim_jobs.begin(), best.victim_jobs.end());
    }
  }
  if (best.node == kNoNode) {
    return absl::NotFoundError("no set of lower-priority preemptible jobs frees enough");
  }
  return best;
}

absl::StatusOr<std::unique_ptr<Plugin>> NewPreemption(const PluginArgs& args,
                                                      const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new Preemption(handle));
}

}  // namespace manychip::plugins
