#pragma once

// PreFilter + Filter + Score "cluster_topology": keeps a gang low in the
// cluster tree (node -> switch -> spine -> super-pod, from
// NodeSpec::topology_path, widest first).
//
// Tier t of a node is its own domain for t = 0 and the path prefix that drops
// the t-1 deepest elements otherwise: with path [pod, spine, switch], tier 1
// is the switch, tier 2 the spine, tier 3 the pod. On the gang's first task
// the PreFilter finds the lowest tier with one domain whose free capacity
// (in whole tasks of this demand) holds the whole gang, picks the tightest
// such domain (lowest node index on ties) and restricts candidates to it.
//   - TopologyMode::kRequired: the tier may not exceed the wish's tier
//     (same_node forces tier 0); otherwise the task is unschedulable with
//     kTopologyDomain.
//   - kPreferred: the lowest tier that holds it, any tier; no restriction if
//     no domain holds it.
//   - kNone: no restriction; the score still prefers nodes near the gang's
//     first node for multi-task gangs (except inference, which spreads).
// Thread-safety: scheduler thread only (memoizes node domain ids).

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "manychip/framework/registry.h"

namespace manychip::plugins {

class ClusterTopology final : public PreFilterPlugin, public FilterPlugin, public ScorePlugin {
 public:
  explicit ClusterTopology(FrameworkHandle handle) : handle_(handle) {}
  absl::string_view name() const override { return "cluster_topology"; }
  Decision PreFilter(CycleState& state) const override;
  Decision Filter(CycleState& state, const NodeView& node) const override;
  int64_t Score(CycleState& state, const NodeView& node) const override;

  // Domain id of `node` at `tier` (tier 0 = the node itself), memoized.
  int32_t DomainId(NodeIndex node, int32_t tier) const;
  int32_t Depth(NodeIndex node) const;

 private:
  const std::vector<int32_t>& Domains(NodeIndex node) const;

  FrameworkHandle handle_;
  // Per node: domain ids for tiers 1..depth. Interned path prefixes.
  mutable std::vector<std::vector<int32_t>> node_domains_;
  mutable std::vector<std::string> node_names_;
  mutable absl::flat_hash_map<std::string, int32_t> intern_;
};
static_assert(std::is_base_of_v<PreFilterPlugin, ClusterTopology>);

// Whole tasks of `demand` that fit on the node now (0 if the model is wrong).
int64_t TasksThatFit(const NodeView& node, const FlavorSpec& flavor);

absl::StatusOr<std::unique_ptr<Plugin>> NewClusterTopology(const PluginArgs& args,
                                                           const FrameworkHandle& handle);

}  // namespace manychip::plugins
