#pragma once

// Job-level extension points: the policies the scheduling loop runs around
// the per-task points of plugin.h. A plugin derives from `Plugin` and from
// the points it implements, as there, and is named by the profile like any
// other; none of these points is required.
//
// What the scheduler does with each outcome:
//   QueueOrder   (the first wins) reorders the QueueSort order while a cycle
//                runs: the scheduler asks the cursor for the next job before
//                each attempt, so what one attempt commits may change the
//                next pick (tenant fair share, "fair_share"). Without one,
//                jobs are tried in QueueSort order.
//   Admit        (every one, in profile order; the first refusal wins) after
//                a task group is placed and permitted, with what the job's
//                attempt charges so far, and before a gang holds, with a
//                lower bound of its need (tenant max quota, "quota"). kFit
//                admits; any other verdict undoes the group's placement,
//                which counts as refused with the decision's reason and
//                detail, and the next flavor is tried. Without one,
//                everything placed is admitted.
//   Backfill     (the first wins, and only while ProfileSpec::backfill) is
//                told the first job of a cycle that failed for capacity and
//                needs devices; it may then keep later jobs of the cycle off
//                device capacity (Allows false: the flavor counts as
//                kBackfillBlocked), and while it reserves (Reserving) the
//                cycle does not preempt (EASY backfill, "backfill"). Without
//                one, nothing is reserved.
//
// Thread-safety: plugins run on the scheduler thread only.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/types/span.h"
#include "manychip/core/job.h"
#include "manychip/framework/decision.h"
#include "manychip/framework/plugin.h"

namespace manychip {

// What is charged to a tenant or a job, per quota resource key (see
// TenantQuotaSpec). Ordered: deterministic iteration.
using Usage = std::map<std::string, int64_t, std::less<>>;

// One cycle's walk over the queue, made by a QueueOrder plugin.
class QueueCursor {
 public:
  virtual ~QueueCursor() = default;
  // The index (into the queue given to `Order`) of the job to try next, or
  // -1 once every job was returned. Each index is returned once.
  virtual int32_t Next() = 0;
};

class QueueOrderPlugin : public virtual Plugin {
 public:
  // `queue`: the cycle's eligible pending jobs in QueueSort order; it
  // outlives the cursor.
  virtual std::unique_ptr<QueueCursor> Order(absl::Span<const QueuedJobInfo> queue) const = 0;
};

class AdmitPlugin : public virtual Plugin {
 public:
  // Whether Admit may refuse `job` at all; when no plugin may, the
  // scheduler does not compute charges for it.
  virtual bool Limits(const JobSpec& job) const = 0;
  // `add`: what the attempt would charge (every group placed so far, held
  // reservations included). `own_held`: what the job's gang hold already
  // charges, counted in its tenant's holds (so not twice).
  virtual Decision Admit(const JobSpec& job, const Usage& add, const Usage& own_held) const = 0;
};

class BackfillPlugin : public virtual Plugin {
 public:
  // A cycle starts: whatever the last one reserved is dropped.
  virtual void BeginCycle() = 0;
  // `job` failed for capacity and needs devices; called while !Reserving().
  virtual void Blocked(const JobSpec& job) = 0;
  virtual bool Reserving() const = 0;
  // Whether `job` may take `milli` device milli of `models` now.
  virtual bool Allows(const JobSpec& job, absl::Span<const int32_t> models,
                      int64_t milli) const = 0;
};

}  // namespace manychip
