#include "src/plugins/device_topology.h"

#include "src/plugins/plugin_util.h"

namespace manychip::plugins {

RejectReason ReasonForChooseFailure(ChooseFailure f) {
  switch (f) {
    case ChooseFailure::kNone:
      return RejectReason::kNone;
    case ChooseFailure::kInsufficientDevices:
      return RejectReason::kInsufficientDevices;
    case ChooseFailure::kIllegalCount:
      return RejectReason::kIllegalDeviceCount;
    case ChooseFailure::kNoLegalGroup:
      return RejectReason::kNoLinkGroup;
    case ChooseFailure::kInsufficientMemory:
      return RejectReason::kInsufficientDeviceMemory;
    case ChooseFailure::kUnsupported:
      return RejectReason::kUnsupported;
  }
  return RejectReason::kPluginError;
}

Decision DeviceTopology::Filter(CycleState& state, const NodeView& node) const {
  const DemandSpec& d = state.demand();
  if (d.is_cpu_only()) return Decision::Fit();
  const DeviceAdapter* adapter = AdapterForNode(handle_, node);
  if (adapter == nullptr && CheckGeneric(node, d).ok()) {
    // Without an adapter the pick is the generic one, which Reserve makes
    // for the chosen node when nobody proposed: no per-node list to build.
    return Decision::Fit();
  }
  ChooseResult r = adapter != nullptr
                       ? adapter->Choose(node.spec(), node.device_free(), ToChooseRequest(d))
                       : ChooseGeneric(node, d);
  if (!r.ok) {
    RejectReason reason = ReasonForChooseFailure(r.failure);
    // The board can never hand out this many together: no amount of
    // waiting helps on this node.
    if (r.failure == ChooseFailure::kIllegalCount || r.failure == ChooseFailure::kUnsupported) {
      return Decision::Unresolvable(reason, std::move(r.detail));
    }
    return Decision::Unschedulable(reason, std::move(r.detail));
  }
  state.ProposeDevices(node.index(), std::move(r.devices), r.score);
  return Decision::Fit();
}

int64_t DeviceTopology::Score(CycleState& state, const NodeView& node) const {
  const DeviceProposal* p = state.Proposal(node.index());
  if (p != nullptr) return p->score;
  if (state.demand().is_cpu_only() || AdapterForNode(handle_, node) != nullptr) return 0;
  return CheckGeneric(node, state.demand()).score;
}

absl::StatusOr<std::unique_ptr<Plugin>> NewDeviceTopology(const PluginArgs& args,
                                                          const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new DeviceTopology(handle));
}

}  // namespace manychip::plugins
