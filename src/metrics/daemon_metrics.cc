#include "src/metrics/daemon_metrics.h"

#include <algorithm>
#include <sstream>

#include "prometheus/family.h"
#include "prometheus/text_serializer.h"

namespace manychip::metrics {
namespace {

// 0.5 ms .. ~16 s: a submit is one group-committed store write; a store
// write on a slow disk takes tens of milliseconds.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  prometheus::Histogram::BucketBoundaries b;
  for (double v = 0.0005; b.size() < 16; v *= 2) b.push_back(v);
  return b;
}

}  // namespace

DaemonMetrics::DaemonMetrics(const std::string& profile) : scheduler_(registry_, profile) {
  sessions_ = &prometheus::BuildGauge()
                   .Name("manychip_agent_sessions")
                   .Help("Agent sessions open now.")
                   .Register(registry_)
                   .Add({});
  heartbeats_ = &prometheus::BuildCounter()
                     .Name("manychip_agent_heartbeats_total")
                     .Help("Heartbeats received from agents.")
                     .Register(registry_)
                     .Add({});
  launch_resends_ = &prometheus::BuildCounter()
                         .Name("manychip_launch_resends_total")
                         .Help(
                             "LaunchTask messages sent again because the agent did not "
                             "acknowledge them.")
                         .Register(registry_)
                         .Add({});
  evictions_ = &prometheus::BuildCounter()
                    .Name("manychip_evictions_total")
                    .Help(
                        "Running jobs evicted and queued again (drain, unhealthy device, "
                        "unacknowledged launch).")
                    .Register(registry_)
                    .Add({});
  auto& health = prometheus::BuildCounter()
                     .Name("manychip_device_health_changes_total")
                     .Help("Device health changes, by the health changed to.")
                     .Register(registry_);
  health_to_healthy_ = &health.Add({{"health", "healthy"}});
  health_to_unhealthy_ = &health.Add({{"health", "unhealthy"}});
  auto& submit = prometheus::BuildHistogram()
                     .Name("manychip_submit_duration_seconds")
                     .Help("SubmitJob from arrival to durable acknowledgement, in seconds.")
                     .Register(registry_);
  submit_ok_ = &submit.Add({{"result", "ok"}}, LatencyBuckets());
  submit_failed_ = &submit.Add({{"result", "error"}}, LatencyBuckets());
  auto& store = prometheus::BuildHistogram()
                    .Name("manychip_store_write_duration_seconds")
                    .Help("One atomic state-store write, in seconds.")
                    .Register(registry_);
  store_write_ok_ = &store.Add({{"result", "ok"}}, LatencyBuckets());
  store_write_failed_ = &store.Add({{"result", "error"}}, LatencyBuckets());
}

void DaemonMetrics::ObserveSubmit(absl::Duration d, bool ok) {
  (ok ? submit_ok_ : submit_failed_)->Observe(absl::ToDoubleSeconds(d));
}

void DaemonMetrics::ObserveStoreWrite(absl::Duration d, bool ok) {
  (ok ? store_write_ok_ : store_write_failed_)->Observe(absl::ToDoubleSeconds(d));
}

void DaemonMetrics::CountEvent(absl::string_view kind) {
  if (kind == "task.launch_resent") {
    launch_resends_->Increment();
  } else if (kind == "job.evicted") {
    evictions_->Increment();
  } else if (kind == "device.healthy") {
    health_to_healthy_->Increment();
  } else if (kind == "device.unhealthy") {
    health_to_unhealthy_->Increment();
  }
}

std::string DaemonMetrics::Render(std::vector<prometheus::MetricFamily> extra) const {
  std::vector<prometheus::MetricFamily> families = registry_.Collect();
  for (prometheus::MetricFamily& f : extra) families.push_back(std::move(f));
  std::stable_sort(families.begin(), families.end(),
                   [](const auto& a, const auto& b) { return a.name < b.name; });
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace manychip::metrics
