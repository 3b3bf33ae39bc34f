#pragma once

// What a job is: an id, a tenant, a priority and a kind, with task groups whose
// tasks are placed as gangs within one of the group's flavors.
//
// A flavor is one way to run the group: "8 x H20 (CUDA image)" or
// "16 x Ascend 910B (CANN image)". Task groups written without flavors get one
// implicit flavor named "default" from the group's own fields, so core code
// only ever sees flavors.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "manychip/core/arch.h"
#include "manychip/resources.h"

namespace manychip {

enum class JobKind : uint8_t { kTraining = 0, kInference = 1, kBatch = 2 };

struct DemandSpec {
  // < 1000: a share of one card; >= 1000: whole cards (multiple of 1000);
  // 0: CPU-only.
  MilliDevices devices;
  MiB device_memory;  // per device; 0 = no minimum
  MilliCpu cpu;
  MiB memory;

  bool is_cpu_only() const { return devices.is_zero(); }
  bool is_fractional() const { return devices.raw() > 0 && devices.raw() < kMilliPerDevice; }
  // Whole cards asked for (1 for a fractional share).
  int32_t card_count() const {
    if (devices.is_zero()) return 0;
    return is_fractional() ? 1 : static_cast<int32_t>(devices.raw() / kMilliPerDevice);
  }
};

struct ImageSpec {
  Arch arch = Arch::kX86_64;
  std::string vendor;  // empty = CPU-only image
  std::string ref;
};

struct StackRequirementSpec {
  std::string name;
  std::string min_version;
};

struct FlavorSpec {
  std::string name;
  std::vector<int32_t> device_models;  // Catalog indexes, sorted; empty = CPU-only
  DemandSpec demand;
  int32_t replicas = 1;
  // Tasks of this flavor that must start together; 0 = the group's
  // min_available. A gang of 8 x H100 and one of 16 x 910B need different
  // numbers, so each flavor may carry its own (1..replicas).
  int32_t min_available = 0;
  std::vector<ImageSpec> images;
  std::vector<StackRequirementSpec> required_stacks;
  int64_t expected_throughput = 0;  // 0 = estimate from the catalog
};

enum class TopologyMode : uint8_t { kNone = 0, kPreferred = 1, kRequired = 2 };

struct TopologyWishSpec {
  TopologyMode mode = TopologyMode::kNone;
  int32_t tier = 0;
  bool same_node = false;
};

struct TaskGroupSpec {
  std::string name;
  // Default gang size for flavors without their own: 1..replicas of every
  // such flavor, or 0 = all replicas of the chosen flavor. Read it through
  // MinAvailable(), which resolves both levels.
  int32_t min_available = 0;
  std::vector<FlavorSpec> flavors;  // never empty after validation
  TopologyWishSpec topology;
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
};

struct TolerationSpec {
  std::string key;
  std::string value;  // empty = any
};

struct JobSpec {
  std::string id;
  std::string name;
  std::string tenant;
  int32_t priority = 0;
  JobKind kind = JobKind::kTraining;
  std::vector<TaskGroupSpec> task_groups;
  // Empty = any arch (the images still have to match when given).
  std::vector<Arch> accepted_arches;
  int64_t latency_slo_ms = 0;
  int32_t min_replicas = 0;
  absl::Duration duration = absl::ZeroDuration();
  std::map<std::string, std::string> labels;
  std::vector<TolerationSpec> tolerations;
  bool preemptible = false;
};

absl::string_view JobKindName(JobKind kind);

// The tasks of `group` that must start together when it runs in flavor
// `flavor`: the flavor's own min_available, else the group's, else all of
// the flavor's replicas; never more than its replicas.
int32_t MinAvailable(const TaskGroupSpec& group, int32_t flavor);

}  // namespace manychip
