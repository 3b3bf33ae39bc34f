#pragma once

// What one device of a node is: its model and memory, where it sits (NUMA
// node, link group, physical id, PCI bus id), how it is wired to its peers,
// its identity and its health. A value built by codec and adapters; a node
// holds them in a `DeviceList` (device_list.h).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "manychip/resources.h"

namespace manychip {

enum class LinkClass : uint8_t {
  kUnknown = 0,
  kCrossCpu = 1,
  kSameCpu = 2,
  kHostBridge = 3,
  kMultiSwitch = 4,
  kSingleSwitch = 5,
  kSameBoard = 6,
  kHighSpeed = 7,
};

struct DeviceLinkSpec {
  int32_t peer = 0;
  LinkClass link_class = LinkClass::kUnknown;
  int32_t lanes = 0;
  bool operator==(const DeviceLinkSpec&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const DeviceLinkSpec& l) {
    return H::combine(std::move(h), l.peer, l.link_class, l.lanes);
  }
};

struct DeviceSpec {
  int32_t index = 0;  // logical index on the node
  std::string uuid;
  int32_t model = -1;  // Catalog index
  MiB memory;          // from the catalog when the inventory omits it
  bool healthy = true;
  std::string health_reason;
  int32_t numa_node = -1;
  std::string link_group;
  int32_t physical_id = -1;  // -1 = same as index
  std::string pci_bus_id;
  std::vector<DeviceLinkSpec> links;
  bool operator==(const DeviceSpec&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const DeviceSpec& d) {
    return H::combine(std::move(h), d.index, d.uuid, d.model, d.memory.raw(), d.healthy,
                      d.health_reason, d.numa_node, d.link_group, d.physical_id, d.pci_bus_id,
                      d.links);
  }
};

}  // namespace manychip
