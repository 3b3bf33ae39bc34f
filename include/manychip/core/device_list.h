#pragma once

// DeviceList is a node's device table (`NodeSpec::devices`): a
// `SharedVector<DeviceSpec>` (shared_vector.h), so it reads and builds like
// `std::vector<DeviceSpec>` while copies share one table.
//
// Why: the devices of one board model are wired the same way on every node
// that carries it (model, memory, NUMA node, link group, physical id, links),
// and at 10,000+ nodes those tables were most of the scheduler's memory.
// `ClusterState` interns them: every node with the same board shares one
// immutable table (see cluster_state.h for what it moves out first).
//
//   NodeSpec n;
//   n.devices.push_back(DeviceSpec{...});       // builds as before
//   for (const DeviceSpec& d : n.devices) ...   // reads as before

#include "manychip/core/device_spec.h"
#include "manychip/core/shared_vector.h"

namespace manychip {

using DeviceList = SharedVector<DeviceSpec>;

}  // namespace manychip
