#pragma once

// Quarantine keeps out of new placements what the daemon knows to be unfit
// but the scheduler core cannot see:
//
// - A device reported unhealthy whose tasks still wait for an eviction
//   slot. The core isolates a device only once nothing runs on it
//   (ClusterState keeps no allocations on unhealthy devices), and isolating
//   it evicts its jobs. With evictions rate-limited, a busy unhealthy device
//   would otherwise stay allocatable (its free fractional share, or the
//   whole card once its tasks end) until its turn. The node rejects a
//   fractional request while that device has any share free, and a
//   whole-card request while it is entirely free; its other devices stay
//   usable.
// - A whole node that did not acknowledge launches: after
//   `launch_max_sends` unanswered sends the job fails over, and without a
//   hold it could be placed on the same node again (so could any other
//   job). The node takes no new work until the hold ends or the node proves
//   it receives launches (a task event, a new session).
//
// Why a Filter plugin: the daemon adds it to whatever profile it runs, so
// every policy honours it; the core stays free of daemon concerns.
//
// Thread-safety: none; the controller and the scheduler core share one
// thread.
//
//   auto q = std::make_shared<Quarantine>();
//   MC_RETURN_IF_ERROR(RegisterQuarantine(q, registry, profile));
//   q->AddDevice("gpu-1", 3);     // on the unhealthy report
//   q->RemoveDevice("gpu-1", 3);  // isolated by the core, or healthy again
//   q->HoldNode("gpu-2", now + absl::Minutes(2), "did not acknowledge launches");

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "manychip/core/profile.h"
#include "manychip/framework/plugin.h"
#include "manychip/framework/registry.h"

namespace manychip::internal {

class Quarantine {
 public:
  struct NodeHold {
    absl::Time until;
    std::string reason;
  };

  void AddDevice(const std::string& node, int32_t device) { devices_[node].insert(device); }
  void RemoveDevice(const std::string& node, int32_t device);
  bool ContainsDevice(absl::string_view node, int32_t device) const;
  // The node's quarantined devices, or null.
  const std::set<int32_t>* Devices(absl::string_view node) const;

  // Keeps the whole node from new work until `until` (a later hold extends
  // an earlier one).
  void HoldNode(const std::string& node, absl::Time until, std::string reason);
  // True when the node was held.
  bool ReleaseNode(const std::string& node);
  // The node's hold, or null.
  const NodeHold* FindHold(absl::string_view node) const;
  // Ends the holds whose time has come; returns their nodes, in name order.
  std::vector<std::string> ExpireHolds(absl::Time now);

 private:
  std::map<std::string, std::set<int32_t>, std::less<>> devices_;
  std::map<std::string, NodeHold, std::less<>> holds_;
};

inline constexpr absl::string_view kQuarantinePlugin = "quarantine";

class QuarantineFilter final : public FilterPlugin {
 public:
  explicit QuarantineFilter(std::shared_ptr<const Quarantine> q) : q_(std::move(q)) {}
  absl::string_view name() const override { return kQuarantinePlugin; }
  Decision Filter(CycleState& state, const NodeView& node) const override;

 private:
  std::shared_ptr<const Quarantine> q_;
};
static_assert(std::is_base_of_v<FilterPlugin, QuarantineFilter>);

// Registers the filter in `registry` and appends it to `profile` (unless
// the profile already lists it).
absl::Status RegisterQuarantine(std::shared_ptr<const Quarantine> q, PluginRegistry& registry,
                                ProfileSpec& profile);

}  // namespace manychip::internal
