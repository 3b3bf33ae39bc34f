#include "src/metrics/daemon_metrics.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace manychip::metrics {
namespace {

TEST(DaemonMetricsTest, CountersAndHistogramsRenderInTextFormat) {
  DaemonMetrics m("hetero");
  SchedulerObserver* o = m.scheduler_observer();
  o->AttemptStarted();
  o->AttemptFinished(SchedulerObserver::AttemptResult::kScheduled);
  o->AttemptStarted();
  o->AttemptFinished(SchedulerObserver::AttemptResult::kUnschedulable);
  o->AttemptStarted();
  o->AttemptFinished(SchedulerObserver::AttemptResult::kUnschedulable);
  o->PreemptionAttempted();
  o->Preempted(3);
  m.SessionOpened();
  m.SessionOpened();
  m.SessionClosed();
  m.Heartbeat();
  m.CountEvent("task.launch_resent");
  m.CountEvent("job.evicted");
  m.CountEvent("device.unhealthy");
  m.CountEvent("job.submitted");  // no metric of its own
  m.ObserveSubmit(absl::Milliseconds(3), true);
  m.ObserveStoreWrite(absl::Milliseconds(1), false);
  const std::string text = m.Render({});
  for (const char* want : {
           "# TYPE scheduler_schedule_attempts_total counter",
           "scheduler_schedule_attempts_total{profile=\"hetero\",result=\"scheduled\"} 1",
           "scheduler_schedule_attempts_total{profile=\"hetero\",result=\"unschedulable\"} 2",
           "# TYPE scheduler_scheduling_attempt_duration_seconds histogram",
           "scheduler_scheduling_attempt_duration_seconds_count{profile=\"hetero\","
           "result=\"unschedulable\"} 2",
           "scheduler_preemption_attempts_total 1",
           "scheduler_preemption_victims_bucket{le=\"2\"} 0",
           "scheduler_preemption_victims_bucket{le=\"4\"} 1",
           "scheduler_preemption_victims_sum 3",
           "manychip_agent_sessions 1",
           "manychip_agent_heartbeats_total 1",
           "manychip_launch_resends_total 1",
           "manychip_evictions_total 1",
           "manychip_device_health_changes_total{health=\"unhealthy\"} 1",
           "manychip_device_health_changes_total{health=\"healthy\"} 0",
           "manychip_submit_duration_seconds_count{result=\"ok\"} 1",
           "manychip_submit_duration_seconds_bucket{result=\"ok\",le=\"0.004\"} 1",
           "manychip_store_write_duration_seconds_count{result=\"error\"} 1",
       }) {
    EXPECT_TRUE(absl::StrContains(text, want)) << "missing: " << want << "\n" << text;
  }
}

}  // namespace
}  // namespace manychip::metrics
