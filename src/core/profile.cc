#include "manychip/core/profile.h"

namespace manychip {

ProfileSpec DefaultProfile() {
  ProfileSpec p;
  p.name = "default";
  for (const char* name :
       {"queue_sort", "fair_share", "quota", "backfill", "arch", "taints", "resource_fit", "stack",
        "cluster_topology", "device_topology", "gang", "preemption"}) {
    p.plugins.push_back(PluginArgs{name, 1, {}});
  }
  p.plugins.push_back(PluginArgs{"throughput", 1, {}});
  p.plugins.push_back(PluginArgs{"binpack", 1, {}});
  p.plugins.push_back(PluginArgs{"spread", 1, {}});
  return p;
}

}  // namespace manychip
