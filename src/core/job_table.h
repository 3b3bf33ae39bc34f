#pragma once

// JobTable: every job the scheduler knows, by id and in submission order,
// with the indexes the scheduling loop walks: pending jobs (the queue),
// running jobs (what backfill plans with), and running jobs whose replicas
// beyond min_available are not all placed. `JobRecord` is one job's
// scheduling state: its spec, state, chosen flavors, allocations, back-off
// and gang hold.
//
// The table keeps records and indexes exact; it decides nothing. The
// scheduler changes a job's state only through `SetState` and its queue
// membership only through `Enqueue`/`Dequeue`, so the indexes cannot drift.
//
// Ownership: owns the records; pointers to them stay valid until the
// scheduler is destroyed (jobs are never removed). Plugins (backfill) read
// it const through `FrameworkHandle::jobs`.
// Thread-safety: not thread-safe; the scheduler's owner thread only.
//
//   JobTable jobs;
//   MC_ASSIGN_OR_RETURN(JobRecord* j, jobs.Add(std::move(spec), clock.Now()));
//   jobs.Dequeue(*j);
//   jobs.SetState(*j, JobState::kRunning);

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "manychip/core/explain.h"
#include "manychip/core/scheduler.h"
#include "src/core/quota.h"

namespace manychip::internal {

struct JobRecord {
  JobSpec spec;
  JobState state = JobState::kPending;
  int64_t sequence = 0;
  absl::Time submitted;
  absl::Time started = absl::InfinitePast();
  std::vector<int32_t> chosen_flavor;             // per group
  std::vector<std::vector<AllocationId>> allocs;  // per group, per task; 0 = none
  std::vector<std::vector<bool>> finished;        // per group, per task
  // Per group, per task index: how many times the task was placed (bound),
  // what `Binding::attempt` says. Sized to the largest flavor seen; kept
  // across requeues and flavor changes.
  std::vector<std::vector<int32_t>> task_attempts;
  int32_t live_tasks = 0;
  Usage charged;
  std::string last_reject;
  std::vector<FlavorExplanation> last_flavors;
  int32_t attempts = 0;
  int32_t preemptions = 0;
  // Back-off: retried once an event happened after the failure and the
  // back-off passed, or after backoff_max as a safety net.
  bool backing_off = false;
  uint64_t fail_generation = 0;
  absl::Time failed_at;
  absl::Duration backoff = absl::ZeroDuration();
  // Gang hold (Permit kWait with a timeout): while PENDING, `allocs` and
  // `chosen_flavor` hold assumed, unbound reservations carried across cycles
  // until the gang is whole (commit) or `hold_deadline` passes (released).
  bool holding = false;
  absl::Time hold_deadline = absl::InfiniteFuture();
  // What the held reservations charge against the tenant's max quota (not
  // its usage: a hold is not running work). Kept in the ledger's holds too.
  Usage held_charge;
  // Jobs this one preempted when it last started ("b (tenant x, priority
  // 0), ..."); empty if none.
  std::string displaced;
  // The failure summary as the attempt wrote it when it still counts nodes
  // the capacity index skipped as short of cards; RejectSummary() recounts
  // them by their true reason when the summary is read. Empty otherwise.
  std::string index_summary;
  // RejectSummary()'s recount of `index_summary`, made at the first read
  // after the attempt and kept until the next one: the daemon reads every
  // pending job's view each second, and a recount scans every node.
  mutable std::string recounted_summary;
};

// Records that task `t` of group `g` was placed (bound) once more, or, with
// `attempt` > 0, that its current placement is that attempt (restore).
void CountPlacement(JobRecord& j, int32_t g, int32_t t, int32_t attempt = 0);
// How many times task `t` of group `g` was placed; 0 if never.
int32_t Placements(const JobRecord& j, int32_t g, int32_t t);

class JobTable {
 public:
  using Index = std::map<int64_t, JobRecord*>;  // by submission sequence

  // A new PENDING job, queued; AlreadyExists for a known id.
  absl::StatusOr<JobRecord*> Add(JobSpec spec, absl::Time now);
  JobRecord* Find(absl::string_view id);
  const JobRecord* Find(absl::string_view id) const;

  // Every state change goes through here: RUNNING joins `running()`, any
  // other state leaves it (and `incomplete()`).
  void SetState(JobRecord& j, JobState state);
  // Queue membership (`pending()`), separate from the state: a job leaves
  // the queue before it is committed, and a rolled-back one returns.
  void Enqueue(JobRecord& j) { pending_[j.sequence] = &j; }
  void Dequeue(JobRecord& j) { pending_.erase(j.sequence); }
  // Keeps `incomplete()` exact for a job whose allocations just changed.
  void TrackIncomplete(JobRecord& j);

  const Index& all() const { return by_sequence_; }
  const Index& pending() const { return pending_; }
  const Index& running() const { return running_; }
  // Running jobs with replicas (beyond min_available) still unplaced.
  const Index& incomplete() const { return incomplete_; }
  bool IsIncomplete(const JobRecord& j) const { return incomplete_.contains(j.sequence); }

 private:
  absl::flat_hash_map<std::string, std::unique_ptr<JobRecord>> jobs_;
  Index by_sequence_;
  Index pending_;
  Index running_;
  Index incomplete_;
  int64_t next_sequence_ = 1;
};

}  // namespace manychip::internal
