#include "src/core/flavor_choice.h"

#include <algorithm>

#include "manychip/core/normalized_units.h"
#include "src/core/free_capacity.h"

namespace manychip::internal {

std::vector<int64_t> FlavorChoiceScores(const Catalog& catalog, const ClusterState& cluster,
                                        const JobSpec& job, int32_t g, bool below_guarantee) {
  const TaskGroupSpec& group = job.task_groups[g];
  std::vector<int64_t> out(group.flavors.size(), 0);
  if (group.flavors.size() == 1) return out;
  for (size_t f = 0; f < group.flavors.size(); ++f) {
    const FlavorSpec& fl = group.flavors[f];
    int64_t thr = FlavorUnits(catalog, fl, job.kind);
    int64_t need = fl.demand.devices.raw() * MinAvailable(group, static_cast<int32_t>(f));
    int64_t free_ratio = 1000;
    if (need > 0) {
      int64_t free = FreeMilliOfModels(cluster, fl.device_models, fl.demand.is_fractional());
      free_ratio = std::min<int64_t>(1000, free * 1000 / need);
    }
    out[f] = thr * free_ratio / 1000 * (below_guarantee ? 1000 : 900) / 1000;
  }
  return out;
}

std::vector<int32_t> FlavorOrder(const std::vector<int64_t>& scores) {
  std::vector<int32_t> order(scores.size());
  for (size_t f = 0; f < order.size(); ++f) order[f] = static_cast<int32_t>(f);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return scores[a] > scores[b]; });
  return order;
}

}  // namespace manychip::internal
