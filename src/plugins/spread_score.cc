#include "src/plugins/spread_score.h"

namespace manychip::plugins {

const std::string& SpreadScore::Domain(const NodeSpec& node) const {
  static const std::string* const kNone = new std::string();
  auto it = node.labels.find(domain_label_);
  if (it != node.labels.end()) return it->second;
  return node.topology_path.empty() ? *kNone : node.topology_path.back();
}

bool SpreadScore::Applies(const CycleState& state) const {
  return all_kinds_ || state.job().kind == JobKind::kInference;
}

int64_t SpreadScore::OnNode(const CycleState& state, NodeIndex node) const {
  int64_t n = 0;
  for (NodeIndex g : state.gang_nodes()) n += g == node;
  for (AllocationId id : handle_.cluster->AllocationsOnNode(node)) {
    const Allocation* a = handle_.cluster->FindAllocation(id);
    if (a != nullptr && a->request.task.job_id == state.job().id &&
        std::find(state.gang_nodes().begin(), state.gang_nodes().end(), node) ==
            state.gang_nodes().end()) {
      ++n;  // a replica placed in an earlier cycle
    }
  }
  return n;
}

Decision SpreadScore::Filter(CycleState& state, const NodeView& node) const {
  if (max_per_node_ <= 0 || !Applies(state)) return Decision::Fit();
  if (OnNode(state, node.index()) >= max_per_node_) {
    return Decision::Unschedulable(RejectReason::kSpread);
  }
  return Decision::Fit();
}

int64_t SpreadScore::Score(CycleState& state, const NodeView& node) const {
  if (!Applies(state)) return 0;
  int64_t on_node = OnNode(state, node.index());
  int64_t in_domain = 0;
  const std::string& dom = Domain(node.spec());
  if (!dom.empty()) {
    for (NodeIndex g : state.gang_nodes()) {
      in_domain += Domain(handle_.cluster->spec(g)) == dom;
    }
  }
  return 100 / (1 + 2 * on_node + in_domain);
}

absl::StatusOr<std::unique_ptr<Plugin>> NewSpreadScore(const PluginArgs& args,
                                                       const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({"domain_label", "max_per_node", "all_kinds"}));
  MC_ASSIGN_OR_RETURN(int64_t max_per_node, args.GetInt("max_per_node", 0, 0, 1 << 20));
  MC_ASSIGN_OR_RETURN(bool all_kinds, args.GetBool("all_kinds", false));
  return std::unique_ptr<Plugin>(
      new SpreadScore(handle, args.GetString("domain_label", "topology.kubernetes.io/zone"),
                      max_per_node, all_kinds));
}

}  // namespace manychip::plugins
