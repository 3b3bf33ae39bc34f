#include "src/metrics/scheduler_metrics.h"

#include "prometheus/family.h"

namespace manychip::metrics {
namespace {

// kube-scheduler: ExponentialBuckets(0.001, 2, 15) for attempt durations and
// ExponentialBuckets(1, 2, 7) for victims.
prometheus::Histogram::BucketBoundaries Exponential(double start, double factor, int count) {
  prometheus::Histogram::BucketBoundaries b;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) b.push_back(v);
  return b;
}

}  // namespace

SchedulerMetrics::SchedulerMetrics(prometheus::Registry& registry, const std::string& profile) {
  auto& attempts = prometheus::BuildCounter()
                       .Name("scheduler_schedule_attempts_total")
                       .Help("Attempts to place a pending job, by result and profile.")
                       .Register(registry);
  auto& durations = prometheus::BuildHistogram()
                        .Name("scheduler_scheduling_attempt_duration_seconds")
                        .Help("Time of one attempt to place a pending job, in seconds.")
                        .Register(registry);
  const auto buckets = Exponential(0.001, 2, 15);
  const char* results[] = {"scheduled", "unschedulable"};
  for (int r = 0; r < 2; ++r) {
    attempts_[r] = &attempts.Add({{"result", results[r]}, {"profile", profile}});
    durations_[r] = &durations.Add({{"result", results[r]}, {"profile", profile}}, buckets);
  }
  preemption_attempts_ = &prometheus::BuildCounter()
                              .Name("scheduler_preemption_attempts_total")
                              .Help("Task group placements that fell back to preemption.")
                              .Register(registry)
                              .Add({});
  victims_ = &prometheus::BuildHistogram()
                  .Name("scheduler_preemption_victims")
                  .Help("Jobs preempted to place one job.")
                  .Register(registry)
                  .Add({}, Exponential(1, 2, 7));
}

void SchedulerMetrics::AttemptStarted() { started_ = std::chrono::steady_clock::now(); }

void SchedulerMetrics::AttemptFinished(AttemptResult result) {
  const std::chrono::duration<double> d = std::chrono::steady_clock::now() - started_;
  const int r = result == AttemptResult::kScheduled ? 0 : 1;
  attempts_[r]->Increment();
  durations_[r]->Observe(d.count());
}

void SchedulerMetrics::PreemptionAttempted() { preemption_attempts_->Increment(); }

void SchedulerMetrics::Preempted(int32_t victims) { victims_->Observe(victims); }

}  // namespace manychip::metrics
