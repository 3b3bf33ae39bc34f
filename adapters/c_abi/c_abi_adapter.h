#pragma once

// CAbiDeviceAdapter: a DeviceAdapter backed by a C-ABI function table from a
// shared object (see loader.h, which validates the table before wrapping).
// Calls cross as serialized manychip.v1.Adapter* messages.
//
// Thread-safety: as DeviceAdapter; request buffers are per call.

#include <string>

#include "manychip/adapters/c_api/manychip_adapter.h"
#include "manychip/adapters/device_adapter.h"

namespace manychip {

class CAbiDeviceAdapter final : public DeviceAdapter {
 public:
  // Takes ownership of `dl_handle` (dlclose'd after table->destroy).
  CAbiDeviceAdapter(std::string path, void* dl_handle, const mc_device_adapter* table);
  ~CAbiDeviceAdapter() override;
  CAbiDeviceAdapter(const CAbiDeviceAdapter&) = delete;
  CAbiDeviceAdapter& operator=(const CAbiDeviceAdapter&) = delete;

  absl::string_view vendor() const override { return vendor_; }
  absl::StatusOr<DiscoveredDevices> Discover(const Catalog& catalog,
                                             const DiscoverOptions& options) const override;
  ChooseResult Choose(const NodeSpec& node, absl::Span<const MilliDevices> free,
                      const ChooseRequest& request) const override;
  Visibility VisibilityFor(const NodeSpec& node, absl::Span<const int32_t> devices) const override;
  absl::StatusOr<int> CompareStackVersions(absl::string_view stack, absl::string_view a,
                                           absl::string_view b) const override;
  absl::Status CheckStack(const NodeSpec& node, absl::string_view stack,
                          absl::string_view min_version) const override;

  const std::string& path() const { return path_; }

 private:
  // Turns an mc_error into a Status (and destroys it); OK for nullptr.
  absl::Status TakeError(mc_error* error, absl::string_view call) const;
  // Calls a bytes-in/bytes-out function and copies the answer out.
  absl::StatusOr<std::string> CallBytes(mc_error* (*fn)(void*, mc_bytes, mc_bytes*),
                                        const std::string& request, absl::string_view call) const;

  std::string path_;
  void* dl_handle_;
  const mc_device_adapter* table_;
  std::string vendor_;
};

}  // namespace manychip
