#pragma once

// SchedulerObserver: a hook the scheduling core calls at a few points of a
// cycle so an embedder can count and time attempts (manychipd exports them
// as Prometheus metrics, see docs/operations.md) without the core depending
// on a metrics library or reading a clock for them.
//
// Ownership: the embedder owns the observer and keeps it alive as long as
// the Scheduler it was given to (SchedulerOptions::observer).
//
// Thread-safety: called on the scheduler's owner thread only, inside
// RunCycle; an implementation that is read from other threads (a metrics
// scrape) must make its own state safe for that. Calls must be cheap: they
// are on the placement hot path (bench BM_PlaceSingleCard_Metrics).
//
//   class Counting : public SchedulerObserver { ... };
//   Counting counting;
//   SchedulerOptions o{...};
//   o.observer = &counting;

#include <cstdint>

namespace manychip {

class SchedulerObserver {
 public:
  // The outcome of one attempt to place one pending job.
  enum class AttemptResult : uint8_t { kScheduled, kUnschedulable };

  virtual ~SchedulerObserver() = default;

  // A pending job is about to be tried; AttemptFinished follows before the
  // next AttemptStarted. The observer times the attempt itself if it wants.
  virtual void AttemptStarted() = 0;
  virtual void AttemptFinished(AttemptResult result) = 0;
  // A task group's placement fell back to preemption (the PostFilter pass).
  virtual void PreemptionAttempted() = 0;
  // A job was placed by preempting `victims` jobs (>= 1).
  virtual void Preempted(int32_t victims) = 0;
};

}  // namespace manychip
