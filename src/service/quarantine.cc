#include "src/service/device_quarantine.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace manychip::internal {

void DeviceQuarantine::Remove(const std::string& node, int32_t device) {
  auto it = by_node_.find(node);
  if (it == by_node_.end()) return;
  it->second.erase(device);
  if (it->second.empty()) by_node_.erase(it);
}

bool DeviceQuarantine::Contains(absl::string_view node, int32_t device) const {
  const std::set<int32_t>* s = Find(node);
  return s != nullptr && s->contains(device);
}

const std::set<int32_t>* DeviceQuarantine::Find(absl::string_view node) const {
  auto it = by_node_.find(node);
  return it == by_node_.end() ? nullptr : &it->second;
}

Decision DeviceQuarantineFilter::Filter(CycleState& state, const NodeView& node) const {
  const DemandSpec& demand = state.demand();
  if (demand.is_cpu_only()) return Decision::Fit();
  const std::set<int32_t>* q = q_->Find(node.spec().name);
  if (q == nullptr) return Decision::Fit();
  const auto free = node.device_free();
  for (int32_t d : *q) {
    if (d < 0 || d >= static_cast<int32_t>(free.size())) continue;
    const int64_t f = free[d].raw();
    const bool usable = demand.is_fractional() ? f > 0 : f >= kMilliPerDevice;
    if (usable) {
      return Decision::Unschedulable(
          RejectReason::kUnhealthyDevices,
          absl::StrCat("device ", d, " is unhealthy, its tasks wait for an eviction slot"));
    }
  }
  return Decision::Fit();
}

absl::Status RegisterDeviceQuarantine(std::shared_ptr<const DeviceQuarantine> q,
                                      PluginRegistry& registry, ProfileSpec& profile) {
  absl::Status s = registry.Register(
      kDeviceQuarantinePlugin,
      [q](const PluginArgs&, const FrameworkHandle&) -> absl::StatusOr<std::unique_ptr<Plugin>> {
        return std::make_unique<DeviceQuarantineFilter>(q);
      });
  if (!s.ok()) return s;
  for (const PluginArgs& p : profile.plugins) {
    if (p.name == kDeviceQuarantinePlugin) return absl::OkStatus();
  }
  PluginArgs args;
  args.name = std::string(kDeviceQuarantinePlugin);
  profile.plugins.push_back(std::move(args));
  return absl::OkStatus();
}

}  // namespace manychip::internal
