#include "src/sim/run_metrics.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "src/sim/json_writer.h"

namespace manychip::sim::internal {

Summary Summarize(std::vector<int64_t> v) {
  Summary s;
  s.count = static_cast<int64_t>(v.size());
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  // Sum in integers (seconds fit easily), divide once.
  int64_t sum = 0;
  for (int64_t x : v) sum += x;
  s.mean = static_cast<double>(sum) / static_cast<double>(v.size());
  auto rank = [&](int64_t percent) {
    // Nearest rank: the smallest value with at least percent% at or below it.
    const int64_t n = static_cast<int64_t>(v.size());
    int64_t k = (percent * n + 99) / 100;
    return static_cast<double>(v[std::clamp<int64_t>(k, 1, n) - 1]);
  };
  s.p50 = rank(50);
  s.p99 = rank(99);
  return s;
}

double Mean(const std::vector<double>& v) {
  if (v.empty()) return 0;
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

namespace {

template <typename T>
void KeepEven(std::vector<T>& v) {
  size_t out = 0;
  for (size_t i = 0; i < v.size(); i += 2) v[out++] = v[i];
  v.resize(out);
}

}  // namespace

void Decimate(TraceRunResult& r) {
  KeepEven(r.sample_seconds);
  for (auto* m : {&r.alloc_pct_by_model, &r.alloc_pct_by_vendor, &r.util_pct_by_vendor}) {
    for (auto& [key, series] : *m) KeepEven(series);
  }
}

std::string RunResultJson(const TraceRunResult& r, bool with_wall) {
  JsonWriter w;
  w.BeginObject();
  w.Int("jobs", r.jobs);
  w.Int("started", r.started);
  w.Int("completed", r.completed);
  w.Int("never_started", r.never_started);
  w.Int("preemptions", r.preemptions);
  w.Int("failovers", r.failovers);
  w.Int("faults", r.faults);
  for (const auto& [name, s] :
       {std::pair<const char*, const Summary*>{"queueing_seconds", &r.queueing_seconds},
        {"jct_seconds", &r.jct_seconds}}) {
    w.BeginObject(name);
    w.Int("count", s->count);
    w.Double("mean", s->mean, 2);
    w.Double("p50", s->p50, 2);
    w.Double("p99", s->p99, 2);
    w.EndObject();
  }
  w.Int("makespan_seconds", r.makespan_seconds);
  w.BeginObject("inference");
  w.Int("services", r.services);
  w.Int("services_meeting_slo", r.services_meeting_slo);
  w.Int("requests_offered_milli", r.requests_offered_milli);
  w.Int("requests_within_slo_milli", r.requests_within_slo_milli);
  w.Double("slo_attainment_pct", r.slo_attainment_pct, 3);
  w.EndObject();
  w.BeginObject("by_vendor");
  for (const auto& [vendor, v] : r.by_vendor) {
    w.BeginObject(vendor);
    w.Int("cards", v.cards);
    w.Double("mean_alloc_pct", v.mean_alloc_pct, 2);
    w.Double("mean_util_pct", v.mean_util_pct, 2);
    w.Int("work_done", v.work_done);
    w.EndObject();
  }
  w.EndObject();
  w.BeginObject("allocation");
  w.IntArray("t_seconds", r.sample_seconds);
  w.BeginObject("pct_by_model");
  for (const auto& [model, v] : r.alloc_pct_by_model) w.DoubleArray(model, v, 2);
  w.EndObject();
  w.BeginObject("pct_by_vendor");
  for (const auto& [vendor, v] : r.alloc_pct_by_vendor) w.DoubleArray(vendor, v, 2);
  w.EndObject();
  w.EndObject();
  w.BeginObject("utilization");
  w.BeginObject("pct_by_vendor");
  for (const auto& [vendor, v] : r.util_pct_by_vendor) w.DoubleArray(vendor, v, 2);
  w.EndObject();
  w.EndObject();
  if (with_wall) w.Double("wall_seconds", r.wall_seconds, 3);
  w.EndObject();
  return w.str() + "\n";
}

}  // namespace manychip::sim::internal
