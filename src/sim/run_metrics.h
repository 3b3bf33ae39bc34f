#pragma once

// Summaries and the JSON document of a time-based replay (trace_run.h).

#include <cstdint>
#include <string>
#include <vector>

#include "manychip/sim/trace_run.h"

namespace manychip::sim::internal {

// Count, mean and nearest-rank p50/p99 of `v`.
Summary Summarize(std::vector<int64_t> v);

// Arithmetic mean; 0 for an empty series.
double Mean(const std::vector<double>& v);

// Keeps every other sample (the first, third, ...) of every over-time series
// of `r`, so a long replay stays within its sample budget.
void Decimate(TraceRunResult& r);

// The `manychip-sim run --json` document; `with_wall` adds wall_seconds
// (left out where runs are compared byte for byte).
std::string RunResultJson(const TraceRunResult& r, bool with_wall);

}  // namespace manychip::sim::internal
