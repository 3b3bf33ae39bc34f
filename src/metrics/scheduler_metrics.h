#pragma once

// SchedulerMetrics: the kube-scheduler-compatible scheduling metrics,
// recorded through the core's SchedulerObserver hook:
//   scheduler_schedule_attempts_total{result,profile}
//   scheduler_scheduling_attempt_duration_seconds{result,profile} (histogram)
//   scheduler_preemption_attempts_total
//   scheduler_preemption_victims (histogram)
// Names and buckets follow kube-scheduler's metrics package, so its
// dashboards and alerts read manychipd unchanged (docs/operations.md).
//
// Ownership: registers its families in the caller's Registry, which must
// outlive it. Thread-safety: the observer calls come from the scheduler
// thread only; the registry may be collected from any thread.

#include <array>
#include <chrono>
#include <string>

#include "manychip/core/scheduler_observer.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace manychip::metrics {

class SchedulerMetrics final : public SchedulerObserver {
 public:
  SchedulerMetrics(prometheus::Registry& registry, const std::string& profile);

  void AttemptStarted() override;
  void AttemptFinished(AttemptResult result) override;
  void PreemptionAttempted() override;
  void Preempted(int32_t victims) override;

 private:
  std::array<prometheus::Counter*, 2> attempts_{};     // by AttemptResult
  std::array<prometheus::Histogram*, 2> durations_{};  // by AttemptResult
  prometheus::Counter* preemption_attempts_ = nullptr;
  prometheus::Histogram* victims_ = nullptr;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace manychip::metrics
