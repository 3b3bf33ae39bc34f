#pragma once

// What a node is: a host of one CPU architecture carrying devices of (usually)
// one model, with its software stacks, labels, taints and place in the
// cluster topology. Validated values; built by codec from proto/JSON or by
// tests through tests/testing/cluster_builder.h.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "manychip/core/arch.h"
#include "manychip/core/device_list.h"
#include "manychip/core/device_spec.h"
#include "manychip/resources.h"

namespace manychip {

struct TaintSpec {
  std::string key;
  std::string value;
  bool prefer_no_schedule = false;  // soft taint: scored, not filtered
};

// An accelerator discovery found but could not map to a catalog model. The
// core never schedules it (it is not in `devices`); it rides along in the
// inventory so operators see it (v1.Node.unrecognized_devices).
struct UnrecognizedDeviceSpec {
  std::string vendor;
  std::string pci_bus_id;
  std::string pci_vendor_id;
  std::string pci_device_id;
  int32_t numa_node = -1;
  std::string reason;
};

struct NodeSpec {
  std::string name;
  Arch arch = Arch::kX86_64;
  std::string cpu_model;
  // Shared between nodes with the same list (see ClusterState).
  SharedVector<std::string> cpu_features;
  MilliCpu cpu;
  MiB memory;
  std::map<std::string, std::string> labels;  // ordered: deterministic iteration
  std::vector<TaintSpec> taints;
  std::vector<std::string> topology_path;  // widest domain first
  std::string board;
  DeviceList devices;  // sorted by index, indexes 0..n-1
  std::map<std::string, std::string> software;
  bool unschedulable = false;
  std::vector<UnrecognizedDeviceSpec> unrecognized_devices = {};
};

}  // namespace manychip
