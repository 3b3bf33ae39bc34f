#pragma once

// ProfileSpec: which plugins a scheduler runs, with score weights and
// arguments, plus the scheduler's own knobs. Built in code (DefaultProfile)
// or from a v1::SchedulerProfile JSON file (codec/profile.h).
//
// TenantQuotaSpec lives in manychip/core/quota.h.
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
#include "manychip/core/quota.h"
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
  // false: the profile's Backfill plugin is not run, as if it were not
  // listed (the openb protocol drops a pod that does not fit at once).
  bool backfill = true;
};

// queue_sort, fair_share, quota, backfill, arch, taints, resource_fit, stack,
// cluster_topology, device_topology, gang, preemption, throughput (w1),
// binpack (w1), spread (w1).
ProfileSpec DefaultProfile();

}  // namespace manychip
