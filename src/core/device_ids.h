#pragma once

// DeviceIds holds the identity strings of one node's devices (UUID, PCI bus
// id): the only per-device data that differs between nodes of the same board,
// so it is what ClusterState keeps per node while the board's device table is
// shared (see cluster_state.h). One allocation per node, none when the
// inventory carries no identities:
//   [uint32 count][uint32 end offset of each string, 2 per device][chars]
//
// Thread-safety: immutable after construction.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/strings/string_view.h"
#include "manychip/core/device_list.h"

namespace manychip::internal {

class DeviceIds {
 public:
  DeviceIds() = default;
  // Copies each device's `uuid` and `pci_bus_id`.
  explicit DeviceIds(const DeviceList::Table& devices);

  // Empty when the device index is out of range or the inventory had none.
  absl::string_view uuid(int32_t device) const { return Field(2 * static_cast<size_t>(device)); }
  absl::string_view pci_bus_id(int32_t device) const {
    return Field(2 * static_cast<size_t>(device) + 1);
  }
  // Heap bytes held.
  size_t MemoryBytes() const;

 private:
  uint32_t Count() const;
  absl::string_view Field(size_t k) const;

  std::unique_ptr<char[]> data_;
};

}  // namespace manychip::internal
