#pragma once

// Filter + Score "device_topology": asks the node vendor's DeviceAdapter for
// a legal, best-connected device set (e.g. a full HCCS group for an 8-card
// Ascend task, one NVLink island for a 4-card NVIDIA task) and proposes it in
// the CycleState; without an adapter, any free cards (ChooseGeneric), which
// it only checks per node: Reserve makes that same pick for the chosen node.
// The score is the adapter's own 0..100 quality of the set (the generic
// choice's score without an adapter).
//
// Args: none.

#include "manychip/adapters/device_adapter.h"
#include "manychip/framework/registry.h"

namespace manychip::plugins {

class DeviceTopology final : public FilterPlugin, public ScorePlugin {
 public:
  explicit DeviceTopology(FrameworkHandle handle) : handle_(handle) {}
  absl::string_view name() const override { return "device_topology"; }
  Decision Filter(CycleState& state, const NodeView& node) const override;
  int64_t Score(CycleState& state, const NodeView& node) const override;

 private:
  FrameworkHandle handle_;
};
static_assert(std::is_base_of_v<FilterPlugin, DeviceTopology>);
static_assert(std::is_base_of_v<ScorePlugin, DeviceTopology>);

RejectReason ReasonForChooseFailure(ChooseFailure f);

absl::StatusOr<std::unique_ptr<Plugin>> NewDeviceTopology(const PluginArgs& args,
                                                          const FrameworkHandle& handle);

}  // namespace manychip::plugins
