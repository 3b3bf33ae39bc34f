// EASY backfill: the first capacity-blocked job reserves its need at the
// earliest time running work frees it; later jobs start now only if they
// end before then or fit in what is left over.

#include <algorithm>
#include <utility>
#include <vector>

#include "src/core/framework_scheduler.h"

namespace manychip::internal {

int64_t FrameworkScheduler::FreeMilliOfModels(const std::vector<int32_t>& models,
                                              bool fractional) const {
  int64_t milli = 0;
  for (int32_t m : models) {
    for (int32_t k = 1; k <= cluster_.MaxDevicesPerNode(m); ++k) {
      milli += k * kMilliPerDevice * cluster_.NodesWithFreeWhole(m, k).Count();
    }
    if (fractional) {
      for (int32_t b = 1; b < ClusterState::kShareBuckets - 1; ++b) {
        milli += b * 100 * cluster_.NodesWithShareBucket(m, b).Count();
      }
    }
  }
  return milli;
}

Reservation FrameworkScheduler::MakeReservation(const JobRecord& head) const {
  Reservation r;
  r.active = true;
  r.priority = head.spec.priority;
  int64_t need = 0;
  for (size_t g = 0; g < head.spec.task_groups.size(); ++g) {
    const TaskGroupSpec& group = head.spec.task_groups[g];
    // A holding gang already has its held cards (they are not free and not
    // in `running_`): it needs only the rest, in its held flavor.
    const int32_t held_flavor = head.holding ? head.chosen_flavor[g] : -1;
    const FlavorSpec& f = group.flavors[held_flavor >= 0 ? held_flavor : 0];
    int64_t tasks = f.replicas;
    if (held_flavor >= 0) {
      tasks -= std::count_if(head.allocs[g].begin(), head.allocs[g].end(),
                             [](AllocationId id) { return id != 0; });
    }
    need += f.demand.devices.raw() * tasks;
    r.models.insert(r.models.end(), f.device_models.begin(), f.device_models.end());
  }
  std::sort(r.models.begin(), r.models.end());
  r.models.erase(std::unique(r.models.begin(), r.models.end()), r.models.end());
  int64_t free = FreeMilliOfModels(r.models, true);
  // Running jobs release their cards at started + duration (unknown
  // duration: never, for planning purposes).
  std::vector<std::pair<absl::Time, int64_t>> releases;
  for (const auto& [seq, j] : running_) {
    int64_t milli = 0;
    for (const auto& v : j->allocs) {
      for (AllocationId id : v) {
        if (id == 0) continue;
        const Allocation* a = cluster_.FindAllocation(id);
        if (a == nullptr) continue;
        int32_t model = cluster_.runtime(a->request.node).model;
        if (std::binary_search(r.models.begin(), r.models.end(), model)) {
          milli += a->request.share.raw() * static_cast<int64_t>(a->request.devices.size());
        }
      }
    }
    if (milli == 0) continue;
    absl::Time end = j->spec.duration > absl::ZeroDuration() ? j->started + j->spec.duration
                                                             : absl::InfiniteFuture();
    releases.emplace_back(end, milli);
  }
  std::stable_sort(releases.begin(), releases.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  if (free >= need) {
    r.shadow = options_.clock->Now();
    r.extra_milli = free - need;
    return r;
  }
  for (const auto& [end, milli] : releases) {
    if (end == absl::InfiniteFuture()) break;
    free += milli;
    if (free >= need) {
      r.shadow = end;
      r.extra_milli = free - need;
      return r;
    }
  }
  r.shadow = absl::InfiniteFuture();
  r.extra_milli = 0;
  return r;
}

bool FrameworkScheduler::BackfillAllows(const JobRecord& j, const FlavorSpec& f,
                                        const Reservation& r) const {
  if (!r.active || f.demand.is_cpu_only()) return true;
  return BackfillAllowsMilli(j, f.device_models, f.demand.devices.raw() * f.replicas, r);
}

bool FrameworkScheduler::BackfillAllowsMilli(const JobRecord& j, const std::vector<int32_t>& models,
                                             int64_t milli, const Reservation& r) const {
  if (!r.active) return true;
  bool overlap = false;
  for (int32_t m : models) {
    overlap = overlap || std::binary_search(r.models.begin(), r.models.end(), m);
  }
  if (!overlap) return true;
  absl::Time now = options_.clock->Now();
  if (j.spec.duration > absl::ZeroDuration() && r.shadow != absl::InfiniteFuture() &&
      now + j.spec.duration <= r.shadow) {
    return true;  // done before the head could start anyway
  }
  return milli <= r.extra_milli;
}

}  // namespace manychip::internal
