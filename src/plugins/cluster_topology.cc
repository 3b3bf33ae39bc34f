#include "src/plugins/cluster_topology.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/plugins/plugin_util.h"

namespace manychip::plugins {

int64_t TasksThatFit(const NodeView& node, const FlavorSpec& flavor) {
  const DemandSpec& d = flavor.demand;
  if (!node.ready() || !node.schedulable()) return 0;
  if (!d.is_cpu_only() && !ModelAccepted(flavor, node.model())) return 0;
  int64_t n = INT64_MAX;
  if (d.cpu.raw() > 0) n = std::min(n, node.free_cpu().raw() / d.cpu.raw());
  if (d.memory.raw() > 0) n = std::min(n, node.free_memory().raw() / d.memory.raw());
  if (d.is_fractional()) {
    int64_t shares = 0;
    auto free = node.device_free();
    for (size_t i = 0; i < free.size(); ++i) shares += free[i].raw() / d.devices.raw();
    n = std::min(n, shares);
  } else if (!d.is_cpu_only()) {
    n = std::min<int64_t>(n, node.free_whole_cards() / d.card_count());
  }
  return n == INT64_MAX ? 1024 : n;
}

const std::vector<int32_t>& ClusterTopology::Domains(NodeIndex node) const {
  const NodeSpec& spec = handle_.cluster->spec(node);
  if (static_cast<size_t>(node) >= node_domains_.size()) {
    node_domains_.resize(node + 1);
    node_names_.resize(node + 1);
  }
  if (node_names_[node] != spec.name || node_domains_[node].size() != spec.topology_path.size()) {
    node_names_[node] = spec.name;
    std::vector<int32_t>& ids = node_domains_[node];
    ids.clear();
    const auto& path = spec.topology_path;
    // tier t (1-based) = prefix of length path.size() - t + 1.
    for (size_t t = 1; t <= path.size(); ++t) {
      std::string key = absl::StrCat(path.size() - t + 1, "|",
                                     absl::StrJoin(path.begin(), path.end() - (t - 1), "/"));
      auto [it, inserted] = intern_.emplace(key, static_cast<int32_t>(intern_.size()));
      ids.push_back(it->second);
    }
  }
  return node_domains_[node];
}

int32_t ClusterTopology::Depth(NodeIndex node) const {
  return static_cast<int32_t>(Domains(node).size());
}

int32_t ClusterTopology::DomainId(NodeIndex node, int32_t tier) const {
  if (tier == 0) return -1 - node;  // unique per node, disjoint from interned ids
  const auto& d = Domains(node);
  if (tier > static_cast<int32_t>(d.size())) return INT32_MAX;  // the whole cluster
  return d[tier - 1];
}

namespace {
struct TopologyData : CycleStateData {
  int32_t tier = -1;
};
}  // namespace

Decision ClusterTopology::PreFilter(CycleState& state) const {
  const TaskGroupSpec& g = state.task_group();
  TopologyMode mode = g.topology.mode;
  if (g.topology.same_node && mode == TopologyMode::kNone) mode = TopologyMode::kRequired;
  if (mode == TopologyMode::kNone || state.gang_size() <= 1) return Decision::Skip();
  if (!state.gang_nodes().empty() || state.restricted()) return Decision::Fit();
  int32_t max_tier = g.topology.same_node ? 0 : g.topology.tier;
  const ClusterState& cluster = *handle_.cluster;
  int64_t need = state.gang_size();
  // Capacity per domain per tier, in whole tasks; ordered maps keyed by
  // domain id keep the choice independent of hash order.
  int32_t depth = 0;
  std::vector<std::pair<NodeIndex, int64_t>> fits;
  for (NodeIndex n = 0; n < cluster.node_count(); ++n) {
    if (!cluster.runtime(n).alive) continue;
    int64_t k = TasksThatFit(cluster.view(n), state.flavor());
    if (k <= 0) continue;
    fits.emplace_back(n, k);
    depth = std::max(depth, Depth(n));
  }
  for (int32_t tier = 0; tier <= depth + 1; ++tier) {
    if (mode == TopologyMode::kRequired && tier > max_tier) break;
    std::map<int32_t, std::pair<int64_t, NodeIndex>> cap;  // domain -> (tasks, first node)
    for (const auto& [n, k] : fits) {
      auto& c = cap.try_emplace(DomainId(n, tier), 0, n).first->second;
      c.first += k;
    }
    int32_t best = 0;
    int64_t best_cap = INT64_MAX;
    NodeIndex best_first = kNoNode;
    for (const auto& [dom, c] : cap) {
      if (c.first < need) continue;
      if (c.first < best_cap || (c.first == best_cap && c.second < best_first)) {
        best = dom;
        best_cap = c.first;
        best_first = c.second;
      }
    }
    if (best_first == kNoNode) continue;
    NodeBitset allowed;
    for (const auto& [n, k] : fits) {
      if (DomainId(n, tier) == best) allowed.Set(n);
    }
    state.Restrict(std::move(allowed));
    auto data = std::make_unique<TopologyData>();
    data->tier = tier;
    state.Write(name(), std::move(data));
    return Decision::Fit();
  }
  if (mode == TopologyMode::kRequired) {
    return Decision::Unschedulable(
        RejectReason::kTopologyDomain,
        absl::StrCat("no tier-", max_tier, " domain holds ", need, " tasks"));
  }
  return Decision::Fit();
}

Decision ClusterTopology::Filter(CycleState& state, const NodeView& node) const {
  if (state.restricted() && !state.allowed().Test(node.index())) {
    return Decision::Unschedulable(RejectReason::kTopologyDomain);
  }
  return Decision::Fit();
}

int64_t ClusterTopology::Score(CycleState& state, const NodeView& node) const {
  if (state.gang_nodes().empty()) return 0;
  // Inference replicas without a topology wish want spreading, not locality.
  if (state.job().kind == JobKind::kInference &&
      state.task_group().topology.mode == TopologyMode::kNone) {
    return 0;
  }
  NodeIndex first = state.gang_nodes().front();
  if (first == node.index()) return 100;
  int32_t depth = std::max(Depth(first), Depth(node.index()));
  if (depth == 0) return 0;
  // Lowest shared tier: 1 (same switch) scores highest.
  for (int32_t tier = 1; tier <= depth; ++tier) {
    if (DomainId(first, tier) == DomainId(node.index(), tier)) {
      return 100 * (depth - tier + 1) / (depth + 1);
    }
  }
  return 0;
}

absl::StatusOr<std::unique_ptr<Plugin>> NewClusterTopology(const PluginArgs& args,
                                                           const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new ClusterTopology(handle));
}

}  // namespace manychip::plugins
