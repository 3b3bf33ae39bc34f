#pragma once

// The `manychip-sim run --report DIR` page: one or more profiles replayed on
// the same workload, side by side. Writes DIR/index.html (self-contained:
// inline SVG, no scripts) and one CSV per series:
//   summary.csv                               one row per profile
//   vendors.csv                               per profile and vendor: cards, mean allocation
//                                             and utilization %, work done
//   <profile>_allocation_by_model.csv         t_seconds + one column per model
//   <profile>_allocation_by_vendor.csv        t_seconds + one column per vendor
//   <profile>_utilization_by_vendor.csv       t_seconds + one column per vendor
//
// Thread-safety: a free function.
//
//   MC_RETURN_IF_ERROR(WriteRunReport("out", {{"aware", aware}, {"blind", blind}}));

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "manychip/sim/trace_run.h"

namespace manychip::sim {

// (profile name, result) pairs, in the order to show them.
using NamedRun = std::pair<std::string, TraceRunResult>;

absl::Status WriteRunReport(const std::string& dir, const std::vector<NamedRun>& runs);

// The `run --json` document for several profiles:
// {"runs": [{"profile": NAME, "result": <TraceRunJson>}, ...]}.
std::string RunsJson(const std::vector<NamedRun>& runs);

// The table the `run` command prints: one row per profile.
std::string RunSummaryTable(const std::vector<NamedRun>& runs);

}  // namespace manychip::sim
