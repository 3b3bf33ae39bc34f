#pragma once

// AdapterRegistry: the device adapters (by vendor key) and host adapters (by
// arch) a scheduler or agent knows. Filled explicitly, e.g. by
// RegisterBuiltinAdapters(registry) and the C-ABI loader; a duplicate key is
// AlreadyExists. Thread-safety: fill on one thread, then read-only.
//
//   AdapterRegistry registry;
//   MC_RETURN_IF_ERROR(RegisterBuiltinAdapters(registry));
//   const DeviceAdapter* a = registry.FindDevice("ascend");

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "manychip/adapters/device_adapter.h"
#include "manychip/adapters/host_adapter.h"

namespace manychip {

class AdapterRegistry {
 public:
  absl::Status RegisterDevice(std::unique_ptr<DeviceAdapter> adapter);
  absl::Status RegisterHost(std::unique_ptr<HostAdapter> adapter);

  // nullptr if no adapter has this vendor key.
  const DeviceAdapter* FindDevice(absl::string_view vendor) const;
  // nullptr if no host adapter covers this arch.
  const HostAdapter* FindHost(Arch arch) const;

  // Registration order.
  std::vector<const DeviceAdapter*> device_adapters() const;
  std::vector<const HostAdapter*> host_adapters() const;

 private:
  std::vector<std::unique_ptr<DeviceAdapter>> devices_;
  std::vector<std::unique_ptr<HostAdapter>> hosts_;
  absl::flat_hash_map<std::string, int> device_by_vendor_;
};

}  // namespace manychip
