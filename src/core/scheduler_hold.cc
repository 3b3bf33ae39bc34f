// Gang holds across cycles (Permit timeout > 0): what fits is reserved and
// held; the hold counts against the tenant's max quota.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "src/core/framework_scheduler.h"

namespace manychip::internal {

Usage FrameworkScheduler::AllocCharge(const JobRecord& j) const {
  Usage u;
  for (const auto& v : j.allocs) {
    for (AllocationId id : v) {
      const Allocation* a = id == 0 ? nullptr : cluster_.FindAllocation(id);
      if (a == nullptr) continue;
      internal::ChargeAllocation(*options_.catalog, cluster_.runtime(a->request.node).model,
                                 j.spec.kind, a->request, +1, u);
    }
  }
  return u;
}

void FrameworkScheduler::SyncHoldCharge(JobRecord& j) {
  Usage now = j.holding ? AllocCharge(j) : Usage{};
  if (now == j.held_charge) return;
  Usage& tenant = tenants_.MutableHeld(j.spec.tenant);
  internal::AddUsage(j.held_charge, -1, tenant);
  internal::AddUsage(now, +1, tenant);
  j.held_charge = std::move(now);
}

void FrameworkScheduler::HoldPartial(JobRecord& j, const std::string& summary) {
  const int32_t groups = static_cast<int32_t>(j.spec.task_groups.size());
  std::vector<std::vector<AllocationId>> kept(groups);
  std::vector<std::vector<AllocationId>> held(groups);
  std::vector<int32_t> flavor(groups, -1);
  std::vector<EvictedJob> none;  // no preemption here: nothing is evicted
  int32_t reserved = 0, needed = 0;
  // A hold counts against admission (the tenant's max quota): a gang holds
  // only when its whole need (min_available tasks of each group, at least)
  // is admitted beside the tenant's running work and other holds, so holding
  // never lets a tenant pass its max and a gang that cannot run under it
  // holds nothing.
  const bool capped = AdmitLimits(j);
  Usage need;
  std::string over;  // why admission refused the hold ("max <key>"); empty = it did not
  for (int32_t g = 0; g < groups && over.empty(); ++g) {
    const TaskGroupSpec& group = j.spec.task_groups[g];
    std::vector<int32_t> order;
    if (j.holding && j.chosen_flavor[g] >= 0) {
      held[g] = j.allocs[g];
      order.push_back(j.chosen_flavor[g]);
    } else {
      // The flavor the attempt ranked first; flavors are not mixed in a hold.
      for (const FlavorExplanation& ex : j.last_flavors) {
        if (ex.group == g && std::find(order.begin(), order.end(), ex.flavor) == order.end()) {
          order.push_back(ex.flavor);
        }
      }
    }
    std::string group_over;
    bool within = !capped;
    for (int32_t f : order) {
      Usage with = need;
      if (capped) {
        internal::AddUsage(internal::MinimumCharge(*options_.catalog, group.flavors[f], j.spec.kind,
                                                   MinAvailable(group, f)),
                           +1, with);
        if (Decision d = Admit(j, with); !d.fit()) {
          if (group_over.empty()) group_over = std::move(d.detail);
          continue;
        }
        within = true;
      }
      const FlavorSpec& fl = group.flavors[f];
      if (held[g].empty() && !fl.demand.is_cpu_only() &&
          !BackfillAllows(j, fl.device_models, fl.demand.devices.raw() * fl.replicas)) {
        continue;
      }
      FlavorExplanation ex;
      std::vector<AllocationId> mine;
      if (PlaceGroup(j, g, f, /*allow_preempt=*/false, /*keep_partial=*/true, held[g], mine, none,
                     ex) != GroupOutcome::kFailed) {
        kept[g] = std::move(mine);
        flavor[g] = f;
        need = std::move(with);
        break;
      }
    }
    if (!within && !order.empty()) over = group_over;
    const int32_t f = flavor[g] >= 0 ? flavor[g] : (order.empty() ? 0 : order.front());
    needed += MinAvailable(group, f);
    reserved += static_cast<int32_t>(kept[g].size());
  }
  if (over.empty() && capped && reserved > 0) {
    // The bound above is the cheapest model's; judge what was really kept.
    Usage add;
    for (const auto& v : kept) {
      for (AllocationId id : v) {
        const Allocation* a = cluster_.FindAllocation(id);
        internal::ChargeAllocation(*options_.catalog, cluster_.runtime(a->request.node).model,
                                   j.spec.kind, a->request, +1, add);
      }
    }
    if (Decision d = Admit(j, add); !d.fit()) over = std::move(d.detail);
  }
  if (!over.empty() || reserved == 0) {
    // Nothing is held: this call's reservations go, and so does an earlier hold.
    for (int32_t g = 0; g < groups; ++g) {
      for (AllocationId id : kept[g]) {
        if (std::find(held[g].begin(), held[g].end(), id) == held[g].end()) {
          MC_CHECK(cluster_.Forget(id).ok());
        }
      }
    }
    if (j.holding) EvictJob(j, JobState::kPending);
    j.holding = false;
    j.hold_deadline = absl::InfiniteFuture();
    SyncHoldCharge(j);
    if (!over.empty()) {
      j.last_reject = absl::StrCat("gang not holding: its need exceeds tenant ", j.spec.tenant, " ",
                                   over, "; ", summary);
    }
    return;
  }
  for (int32_t g = 0; g < groups; ++g) {
    j.chosen_flavor[g] = flavor[g];
    const int32_t replicas = flavor[g] >= 0 ? j.spec.task_groups[g].flavors[flavor[g]].replicas : 0;
    j.allocs[g].assign(replicas, 0);
    j.finished[g].assign(replicas, false);
    for (AllocationId id : kept[g]) {
      j.allocs[g][cluster_.FindAllocation(id)->request.task.task] = id;
    }
  }
  if (!j.holding) {
    j.holding = true;
    j.hold_deadline = options_.clock->Now() + runtime_.HoldTimeout();
  }
  SyncHoldCharge(j);
  j.last_reject =
      absl::StrCat("gang waiting: ", reserved, "/", needed, " tasks reserved, held until ",
                   absl::FormatTime(j.hold_deadline), "; ", summary);
}

void FrameworkScheduler::ExpireHold(JobRecord& j, absl::Time now) {
  int32_t reserved = 0;
  for (const auto& v : j.allocs) {
    for (AllocationId id : v) reserved += id != 0;
  }
  EvictJob(j, JobState::kPending);  // forgets every held reservation
  j.last_reject =
      absl::StrCat("gang timed out after ", absl::FormatDuration(runtime_.HoldTimeout()), " with ",
                   reserved, " tasks reserved; reservations released");
  MarkFailed(j, now);
}

}  // namespace manychip::internal
