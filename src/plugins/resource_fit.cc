#include "src/plugins/resource_fit.h"

#include "absl/strings/str_cat.h"
#include "src/plugins/plugin_util.h"

namespace manychip::plugins {

Decision ResourceFit::Filter(CycleState& state, const NodeView& node) const {
  const DemandSpec& d = state.demand();
  if (!d.is_cpu_only() && !ModelAccepted(state.flavor(), node.model())) {
    return Decision::Unresolvable(RejectReason::kModelNotAccepted);
  }
  if (d.cpu > node.free_cpu()) return Decision::Unschedulable(RejectReason::kInsufficientCpu);
  if (d.memory > node.free_memory()) {
    return Decision::Unschedulable(RejectReason::kInsufficientMemory);
  }
  if (d.is_cpu_only()) return Decision::Fit();
  const auto& devs = node.spec().devices;
  if (d.is_fractional()) {
    if (node.max_free_share() < d.devices.raw()) {
      return Decision::Unschedulable(RejectReason::kInsufficientShare);
    }
    if (!d.device_memory.is_zero()) {
      auto free = node.device_free();
      auto mem = node.device_free_memory();
      bool any = false;
      for (size_t i = 0; i < free.size() && !any; ++i) {
        any = node.device_healthy(static_cast<int32_t>(i)) && free[i] >= d.devices &&
              mem[i] >= d.device_memory;
      }
      if (!any) return Decision::Unschedulable(RejectReason::kInsufficientDeviceMemory);
    }
    return Decision::Fit();
  }
  if (node.free_whole_cards() < d.card_count()) {
    if (static_cast<int32_t>(devs.size()) < d.card_count()) {
      return Decision::Unresolvable(RejectReason::kInsufficientDevices,
                                    absl::StrCat("node has ", devs.size(), " cards"));
    }
    return Decision::Unschedulable(RejectReason::kInsufficientDevices);
  }
  if (!d.device_memory.is_zero() && !devs.empty() && devs[0].memory < d.device_memory) {
    // One model per node: the first device's memory is every device's.
    return Decision::Unresolvable(RejectReason::kInsufficientDeviceMemory);
  }
  return Decision::Fit();
}

absl::StatusOr<std::unique_ptr<Plugin>> NewResourceFit(const PluginArgs& args,
                                                       const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new ResourceFit());
}

}  // namespace manychip::plugins
