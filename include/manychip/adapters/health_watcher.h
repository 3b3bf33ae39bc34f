#pragma once

// Device health changes pushed by a vendor library, for the agent to report
// to the daemon as they happen instead of waiting for its next poll.
//
// WatchNvidiaHealth registers every GPU for NVML's critical XID events
// (nvmlEventSetCreate / nvmlDeviceRegisterEvents / nvmlEventSetWait_v2,
// loaded with dlopen from DiscoverOptions::nvml_library) and calls `on_change`
// from its own thread when an XID marks a GPU unhealthy. Like the NVIDIA
// device plugin, application-caused XIDs (13, 31, 43, 45, 68, 109) are not
// reported. A GPU stays unhealthy until rediscovered: NVML has no "recovered"
// event.
//
// Ownership: the returned watcher owns the thread and the NVML event set;
// destroying it stops the thread (within `poll` of the call) and frees both.
// The callback must not destroy the watcher.
//
//   auto w = WatchNvidiaHealth(options, [&](const DeviceHealthChange& c) {
//     agent->ReportDeviceHealth(c.device_index, c.healthy, c.reason);
//   });
//   if (!w.ok()) spdlog::warn("no XID watch: {}", w.status().ToString());
//
// Thread-safety: the callback runs on the watcher's thread, one call at a
// time; the watcher object itself is not used concurrently.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "manychip/adapters/device_adapter.h"

namespace manychip {

struct DeviceHealthChange {
  // NVML index. DiscoverNode lists NVIDIA devices first (RegisterBuiltinAdapters
  // registers the NVIDIA adapter first), in NVML order, so this is also the
  // node's device index.
  int32_t device_index = 0;
  bool healthy = true;
  std::string reason;  // e.g. "xid 79"
};

class DeviceHealthWatcher {
 public:
  virtual ~DeviceHealthWatcher() = default;
};

using DeviceHealthCallback = std::function<void(const DeviceHealthChange&)>;

// NotFound when the NVML library cannot be loaded (no NVIDIA driver: nothing
// to watch); Unavailable when NVML fails (missing symbol, init or
// registration error), naming the call. `poll` bounds how long one wait
// blocks, and so how long destruction takes.
absl::StatusOr<std::unique_ptr<DeviceHealthWatcher>> WatchNvidiaHealth(
    const DiscoverOptions& options, DeviceHealthCallback on_change,
    absl::Duration poll = absl::Milliseconds(500));

}  // namespace manychip
