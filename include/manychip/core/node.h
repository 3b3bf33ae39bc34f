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
};

struct TaintSpec {
  std::string key;
  std::string value;
  bool prefer_no_schedule = false;  // soft taint: scored, not filtered
};

struct NodeSpec {
  std::string name;
  Arch arch = Arch::kX86_64;
  std::string cpu_model;
  std::vector<std::string> cpu_features;
  MilliCpu cpu;
  MiB memory;
  std::map<std::string, std::string> labels;  // ordered: deterministic iteration
  std::vector<TaintSpec> taints;
  std::vector<std::string> topology_path;  // widest domain first
  std::string board;
  std::vector<DeviceSpec> devices;  // sorted by index, indexes 0..n-1
  std::map<std::string, std::string> software;
  bool unschedulable = false;
};

}  // namespace manychip
