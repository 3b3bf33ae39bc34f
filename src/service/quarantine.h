#pragma once

// DeviceQuarantine keeps a device that was reported unhealthy out of new
// placements while the tasks still on it wait for an eviction slot.
//
// Why a Filter plugin: the core isolates a device only once nothing runs on
// it (ClusterState keeps no allocations on unhealthy devices), and isolating
// it evicts its jobs. With evictions rate-limited, a busy unhealthy device
// would otherwise stay allocatable (its free fractional share, or the whole
// card once its tasks end) until its turn. The daemon adds the filter to
// whatever profile it runs.
//
// The rule: a node with a quarantined device rejects a fractional request
// while that device has any share free, and a whole-card request while it
// is entirely free; otherwise the node's other devices stay usable.
//
// Thread-safety: none; the controller and the scheduler core share one
// thread.
//
//   auto q = std::make_shared<DeviceQuarantine>();
//   MC_RETURN_IF_ERROR(RegisterDeviceQuarantine(q, registry, profile));
//   q->Add("gpu-1", 3);   // on the unhealthy report
//   q->Remove("gpu-1", 3);  // isolated by the core, or healthy again

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "manychip/core/profile.h"
#include "manychip/framework/plugin.h"
#include "manychip/framework/registry.h"

namespace manychip::internal {

class DeviceQuarantine {
 public:
  void Add(const std::string& node, int32_t device) { by_node_[node].insert(device); }
  void Remove(const std::string& node, int32_t device);
  bool Contains(absl::string_view node, int32_t device) const;
  // The node's quarantined devices, or null.
  const std::set<int32_t>* Find(absl::string_view node) const;

 private:
  std::map<std::string, std::set<int32_t>, std::less<>> by_node_;
};

inline constexpr absl::string_view kDeviceQuarantinePlugin = "device_quarantine";

class DeviceQuarantineFilter final : public FilterPlugin {
 public:
  explicit DeviceQuarantineFilter(std::shared_ptr<const DeviceQuarantine> q) : q_(std::move(q)) {}
  absl::string_view name() const override { return kDeviceQuarantinePlugin; }
  Decision Filter(CycleState& state, const NodeView& node) const override;

 private:
  std::shared_ptr<const DeviceQuarantine> q_;
};
static_assert(std::is_base_of_v<FilterPlugin, DeviceQuarantineFilter>);

// Registers the filter in `registry` and appends it to `profile` (unless
// the profile already lists it).
absl::Status RegisterDeviceQuarantine(std::shared_ptr<const DeviceQuarantine> q,
                                      PluginRegistry& registry, ProfileSpec& profile);

}  // namespace manychip::internal
