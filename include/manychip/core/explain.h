#pragma once

// Explanation: why a job is where it is, counted by stable reason across the
// nodes, per task group and flavor, with the plugin that rejected. The CLI
// and API render the same value.
//
//   MC_ASSIGN_OR_RETURN(Explanation e, scheduler->Explain("job-1"));
//   std::cout << e.ToString();
//   // group 0 flavor "h20": 0/1213 nodes: 620 model not accepted, 401
//   //   insufficient whole cards, 192 CPU (resource_fit 593, arch 620)
//
// Thread-safety: a plain value.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "manychip/framework/decision.h"

namespace manychip {

struct FlavorExplanation {
  int32_t group = 0;
  std::string group_name;
  int32_t flavor = 0;
  std::string flavor_name;
  int32_t nodes_total = 0;     // live nodes considered
  int32_t nodes_feasible = 0;  // nodes that passed every filter (first task)
  // By count descending, then reason code ascending.
  std::vector<std::pair<RejectReason, int32_t>> reasons;
  // Rejections by plugin name.
  std::map<std::string, int32_t> by_plugin;
  // Flavor-level outcome: "placed", "gang incomplete: 3/4 tasks", "quota"...
  RejectReason outcome = RejectReason::kNone;
  std::string detail;
  // Flavor-choice weighing (higher first): normalized throughput x free share.
  int64_t choice_score = 0;
};

struct Explanation {
  std::string job_id;
  std::string state;    // "PENDING", "RUNNING", ...
  std::string summary;  // one line
  std::vector<FlavorExplanation> flavors;
  std::string ToString() const;
};

// "0/1213 nodes: 620 model not accepted, 401 insufficient whole cards".
std::string FormatReasonCounts(const FlavorExplanation& f);

}  // namespace manychip
