#pragma once

// Filter + Score "spread": inference replicas spread across nodes and
// failure domains, so one node or rack failure takes out few replicas.
// A node's failure domain is its `domain_label` label if present, else the
// deepest element of its topology path (rack / switch).
//
// Score: 100 / (1 + 2 x replicas of the job on the node + replicas in the
// node's domain). Filter: with `max_per_node` > 0, a node already holding
// that many replicas is rejected (kSpread).
// Args: domain_label (default "topology.kubernetes.io/zone"), max_per_node
// (default 0 = no limit), all_kinds (default false: inference only).

#include <string>

#include "manychip/framework/registry.h"

namespace manychip::plugins {

class SpreadScore final : public FilterPlugin, public ScorePlugin {
 public:
  SpreadScore(FrameworkHandle handle, std::string domain_label, int64_t max_per_node,
              bool all_kinds)
      : handle_(handle),
        domain_label_(std::move(domain_label)),
        max_per_node_(max_per_node),
        all_kinds_(all_kinds) {}
  absl::string_view name() const override { return "spread"; }
  Decision Filter(CycleState& state, const NodeView& node) const override;
  int64_t Score(CycleState& state, const NodeView& node) const override;

  // The node's failure domain name ("" if none).
  const std::string& Domain(const NodeSpec& node) const;

 private:
  bool Applies(const CycleState& state) const;
  int64_t OnNode(const CycleState& state, NodeIndex node) const;

  FrameworkHandle handle_;
  std::string domain_label_;
  int64_t max_per_node_;
  bool all_kinds_;
};
static_assert(std::is_base_of_v<ScorePlugin, SpreadScore>);

absl::StatusOr<std::unique_ptr<Plugin>> NewSpreadScore(const PluginArgs& args,
                                                       const FrameworkHandle& handle);

}  // namespace manychip::plugins
