#pragma once

// ProfileSpec: which plugins a scheduler runs, with score weights and
// arguments, plus the scheduler's own knobs. Built in code (DefaultProfile)
// or from a v1::SchedulerProfile JSON file (codec/profile.h).
//
// TenantQuotaSpec: a tenant's guaranteed and maximum quota, per resource key:
//   "cpu" (milli-CPU), "memory" (MiB), "devices" (milli-devices, any model),
//   "device:<model id>" (milli-devices of one model), "vendor:<vendor>"
//   (milli-devices of one vendor), "h20e" (milli normalized units: a card
//   counts its catalog training/inference factor, 1000 = one reference card).
//
// Thread-safety: plain values.
//
//   ProfileSpec p = DefaultProfile();
//   p.plugins.push_back({.name = "fgd", .weight = 2});

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "manychip/framework/registry.h"

namespace manychip {

struct ProfileSpec {
  std::string name = "default";
  std::vector<PluginArgs> plugins;  // order = call order within an extension point
  std::optional<uint64_t> seed;     // overrides SchedulerOptions::seed when set
  // Feasible nodes to find before scoring (K8s percentageOfNodesToScore);
  // 0 = all.
  int32_t max_feasible_nodes = 64;
  absl::Duration backoff_initial = absl::Seconds(1);
  absl::Duration backoff_max = absl::Seconds(60);
  bool backfill = true;
};

// arch, stack, taints, resource_fit, device_topology, cluster_topology, gang,
// preemption, throughput (w1), binpack (w1), spread (w1).
ProfileSpec DefaultProfile();

struct TenantQuotaSpec {
  std::string tenant;
  std::map<std::string, int64_t> guaranteed;
  std::map<std::string, int64_t> max;
  int32_t weight = 1;  // DRF weight, >= 1
};

}  // namespace manychip
