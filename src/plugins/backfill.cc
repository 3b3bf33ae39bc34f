#include "src/plugins/backfill.h"

#include <algorithm>
#include <utility>

#include "src/core/free_capacity.h"
#include "src/core/job_table.h"

namespace manychip::plugins {

void EasyBackfill::Blocked(const JobSpec& spec) {
  if (reservation_.active) return;
  const internal::JobRecord* head = jobs_->Find(spec.id);
  if (head == nullptr) return;
  Reservation r;
  r.active = true;
  int64_t need = 0;
  for (size_t g = 0; g < spec.task_groups.size(); ++g) {
    const TaskGroupSpec& group = spec.task_groups[g];
    // A holding gang already has its held cards (they are not free and not
    // running): it needs only the rest, in its held flavor.
    const int32_t held_flavor = head->holding ? head->chosen_flavor[g] : -1;
    const FlavorSpec& f = group.flavors[held_flavor >= 0 ? held_flavor : 0];
    int64_t tasks = f.replicas;
    if (held_flavor >= 0) {
      tasks -= std::count_if(head->allocs[g].begin(), head->allocs[g].end(),
                             [](AllocationId id) { return id != 0; });
    }
    need += f.demand.devices.raw() * tasks;
    r.models.insert(r.models.end(), f.device_models.begin(), f.device_models.end());
  }
  std::sort(r.models.begin(), r.models.end());
  r.models.erase(std::unique(r.models.begin(), r.models.end()), r.models.end());
  int64_t free = internal::FreeMilliOfModels(*cluster_, r.models, true);
  std::vector<std::pair<absl::Time, int64_t>> releases;
  for (const auto& [seq, j] : jobs_->running()) {
    int64_t milli = 0;
    for (const auto& v : j->allocs) {
      for (AllocationId id : v) {
        if (id == 0) continue;
        const Allocation* a = cluster_->FindAllocation(id);
        if (a == nullptr) continue;
        int32_t model = cluster_->runtime(a->request.node).model;
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
  r.shadow = absl::InfiniteFuture();
  r.extra_milli = 0;
  if (free >= need) {
    r.shadow = clock_->Now();
    r.extra_milli = free - need;
  } else {
    for (const auto& [end, milli] : releases) {
      if (end == absl::InfiniteFuture()) break;
      free += milli;
      if (free >= need) {
        r.shadow = end;
        r.extra_milli = free - need;
        break;
      }
    }
  }
  reservation_ = std::move(r);
}

bool EasyBackfill::Allows(const JobSpec& job, absl::Span<const int32_t> models,
                          int64_t milli) const {
  const Reservation& r = reservation_;
  if (!r.active) return true;
  bool overlap = false;
  for (int32_t m : models) {
    overlap = overlap || std::binary_search(r.models.begin(), r.models.end(), m);
  }
  if (!overlap) return true;
  absl::Time now = clock_->Now();
  if (job.duration > absl::ZeroDuration() && r.shadow != absl::InfiniteFuture() &&
      now + job.duration <= r.shadow) {
    return true;  // done before the head could start anyway
  }
  return milli <= r.extra_milli;
}

absl::StatusOr<std::unique_ptr<Plugin>> NewEasyBackfill(const PluginArgs& args,
                                                        const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  if (handle.cluster == nullptr || handle.clock == nullptr) {
    return absl::InvalidArgumentError("plugins.backfill: needs the cluster and the clock");
  }
  return std::unique_ptr<Plugin>(new EasyBackfill(handle.cluster, handle.clock));
}

}  // namespace manychip::plugins
