#pragma once

// The fragmentation measure of FGD (Fragmentation Gradient Descent, Weng et
// al., USENIX ATC'23): how much idle GPU share of a node a typical workload
// cannot use. The "fgd" and "fgd_lex" score plugins rank nodes by it and the
// simulator reports it, so it is public rather than private to the plugins.
//
// Fragmentation of a node with respect to one task m: when m fits the node,
// the idle GPU share on GPUs too small for m; when m does not fit (or m is
// CPU-only, or cannot use the node's model), all idle GPU share. Against a
// target workload M it is the popularity-weighted sum over M, in exact
// integer arithmetic (milli-GPU x count).
//
// Thread-safety: the free functions are pure. `FragCache` is not
// thread-safe; give each user its own. It does not own its workload.
//
//   MC_ASSIGN_OR_RETURN(FragWorkload w, ParseFragWorkload("8000:500:1:3"));
//   FragCache cache(&w);                            // w outlives cache
//   int64_t f = cache.Get(model, cpu_left, free);   // x w.total_weight

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace manychip::plugins {

// One task shape of a target workload.
struct FragTask {
  int64_t cpu_milli = 0;
  int64_t gpu_milli = 0;  // per GPU; 0 = CPU-only
  int32_t gpu_count = 0;
  std::vector<int32_t> models;  // accepted catalog indexes, sorted; empty = any
  int64_t weight = 0;           // popularity (a count), > 0

  bool operator==(const FragTask&) const = default;
};

struct FragWorkload {
  std::vector<FragTask> tasks;
  int64_t total_weight = 0;  // sum of weights

  bool empty() const { return tasks.empty() || total_weight <= 0; }
};

// Parses the plugin argument form of a workload: tasks separated by ';',
// each `cpu_milli:gpu_milli:gpu_count:weight[:model|model...]` with catalog
// model indexes. InvalidArgument names the task and field on bad input.
absl::StatusOr<FragWorkload> ParseFragWorkload(absl::string_view text);
// The inverse of ParseFragWorkload.
std::string FormatFragWorkload(const FragWorkload& workload);

// Fragment amount (milli-GPU) of a node for one task. `model` is the node's
// GPU model index (-1 for a GPU-less node); `free` the per-GPU free milli.
int64_t TaskFrag(const FragTask& task, int32_t model, int64_t cpu_left,
                 absl::Span<const int64_t> free);

// Sum over the workload of weight x TaskFrag; divide by total_weight for the
// expected fragment amount in milli-GPU.
int64_t WeightedFrag(const FragWorkload& workload, int32_t model, int64_t cpu_left,
                     absl::Span<const int64_t> free);

// FGD's score for moving a node from `weighted_before` to `weighted_after`
// fragmentation: int(100 * sigmoid(-delta / 1000)) with delta in milli-GPU,
// exactly the quantisation of the paper's code.
int64_t FgdScore(int64_t weighted_before, int64_t weighted_after, int64_t total_weight);

// Memoises WeightedFrag by node state. Exact: the key is the whole state
// (model, CPU left, the per-GPU free vector sorted), and fragmentation does
// not depend on GPU order, so equal keys have equal values.
//
// CPU enters fragmentation only through `cpu_left >= task.cpu_milli`, so the
// key holds the number of distinct task CPU sizes that fit rather than the raw
// CPU left; nodes differing only in CPU between two thresholds share an entry.
class FragCache {
 public:
  explicit FragCache(const FragWorkload* workload);
  int64_t Get(int32_t model, int64_t cpu_left, absl::Span<const int64_t> free);
  size_t size() const { return memo_.size(); }
  int64_t total_weight() const { return workload_->total_weight; }

 private:
  const FragWorkload* workload_;
  std::vector<int64_t> cpu_thresholds_;  // distinct task cpu_milli, ascending
  absl::flat_hash_map<std::vector<int64_t>, int64_t> memo_;
  std::vector<int64_t> key_;
};

}  // namespace manychip::plugins
