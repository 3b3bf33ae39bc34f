#include "src/service/quarantine.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace manychip::internal {

void Quarantine::RemoveDevice(const std::string& node, int32_t device) {
  auto it = devices_.find(node);
  if (it == devices_.end()) return;
  it->second.erase(device);
  if (it->second.empty()) devices_.erase(it);
}

bool Quarantine::ContainsDevice(absl::string_view node, int32_t device) const {
  const std::set<int32_t>* s = Devices(node);
  return s != nullptr && s->contains(device);
}

const std::set<int32_t>* Quarantine::Devices(absl::string_view node) const {
  auto it = devices_.find(node);
  return it == devices_.end() ? nullptr : &it->second;
}

void Quarantine::HoldNode(const std::string& node, absl::Time until, std::string reason) {
  NodeHold& h = holds_[node];
  h.until = std::max(h.until, until);
  h.reason = std::move(reason);
}

bool Quarantine::ReleaseNode(const std::string& node) { return holds_.erase(node) > 0; }

const Quarantine::NodeHold* Quarantine::FindHold(absl::string_view node) const {
  auto it = holds_.find(node);
  return it == holds_.end() ? nullptr : &it->second;
}

std::vector<std::string> Quarantine::ExpireHolds(absl::Time now) {
  std::vector<std::string> ended;
  for (auto it = holds_.begin(); it != holds_.end();) {
    if (it->second.until > now) {
      ++it;
      continue;
    }
    ended.push_back(it->first);
    it = holds_.erase(it);
  }
  return ended;
}

Decision QuarantineFilter::Filter(CycleState& state, const NodeView& node) const {
  if (const Quarantine::NodeHold* h = q_->FindHold(node.spec().name); h != nullptr) {
    return Decision::Unschedulable(
        RejectReason::kNodeNotReady,
        absl::StrCat(h->reason, "; held until ",
                     absl::FormatTime(absl::RFC3339_sec, h->until, absl::UTCTimeZone())));
  }
  const DemandSpec& demand = state.demand();
  if (demand.is_cpu_only()) return Decision::Fit();
  const std::set<int32_t>* q = q_->Devices(node.spec().name);
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

absl::Status RegisterQuarantine(std::shared_ptr<const Quarantine> q, PluginRegistry& registry,
                                ProfileSpec& profile) {
  absl::Status s = registry.Register(
      kQuarantinePlugin,
      [q](const PluginArgs&, const FrameworkHandle&) -> absl::StatusOr<std::unique_ptr<Plugin>> {
        return std::make_unique<QuarantineFilter>(q);
      });
  if (!s.ok()) return s;
  for (const PluginArgs& p : profile.plugins) {
    if (p.name == kQuarantinePlugin) return absl::OkStatus();
  }
  PluginArgs args;
  args.name = std::string(kQuarantinePlugin);
  profile.plugins.push_back(std::move(args));
  return absl::OkStatus();
}

}  // namespace manychip::internal
