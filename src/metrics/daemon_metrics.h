#pragma once

// DaemonMetrics: every metric manychipd exports that is counted as things
// happen (scheduling attempts through SchedulerMetrics, agent sessions and
// heartbeats, submit and store-write latency, launch resends, evictions,
// device health changes), plus the text exposition of them together with
// the gauges computed at scrape time (cluster_metrics.h).
//
// Ownership: owns its Registry. Thread-safety: every method is safe from
// any thread (prometheus-cpp metrics are atomic or locked), except that
// scheduler_observer() must be handed to exactly one Scheduler, whose thread
// is then its only caller.
//
//   DaemonMetrics m("default");
//   scheduler_options.observer = m.scheduler_observer();
//   m.Heartbeat();
//   std::string text = m.Render(ClusterFamilies(catalog, snapshot));

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "manychip/core/scheduler_observer.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "src/metrics/scheduler_metrics.h"

namespace manychip::metrics {

class DaemonMetrics {
 public:
  explicit DaemonMetrics(const std::string& profile);
  DaemonMetrics(const DaemonMetrics&) = delete;
  DaemonMetrics& operator=(const DaemonMetrics&) = delete;

  SchedulerObserver* scheduler_observer() { return &scheduler_; }

  void SessionOpened() { sessions_->Increment(); }
  void SessionClosed() { sessions_->Decrement(); }
  void Heartbeat() { heartbeats_->Increment(); }
  // From the SubmitJob RPC's arrival to its durable acknowledgement.
  void ObserveSubmit(absl::Duration d, bool ok);
  void ObserveStoreWrite(absl::Duration d, bool ok);
  // An event the store accepted (StoreWrite::events). Counts the kinds that
  // have a metric: task.launch_resent, job.evicted, device.healthy and
  // device.unhealthy; others are ignored.
  void CountEvent(absl::string_view kind);

  // The Prometheus text format (version 0.0.4) of every family here plus
  // `extra`, sorted by name.
  std::string Render(std::vector<prometheus::MetricFamily> extra) const;

 private:
  prometheus::Registry registry_;
  SchedulerMetrics scheduler_;
  prometheus::Gauge* sessions_;
  prometheus::Counter* heartbeats_;
  prometheus::Counter* launch_resends_;
  prometheus::Counter* evictions_;
  prometheus::Counter* health_to_healthy_;
  prometheus::Counter* health_to_unhealthy_;
  prometheus::Histogram* submit_ok_;
  prometheus::Histogram* submit_failed_;
  prometheus::Histogram* store_write_ok_;
  prometheus::Histogram* store_write_failed_;
};

}  // namespace manychip::metrics
