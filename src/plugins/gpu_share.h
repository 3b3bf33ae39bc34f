#pragma once

// Shared vocabulary of the GPU-sharing score plugins (the FGD paper's
// policies: random, dot_product, gpu_clustering, gpu_packing, best_fit, fgd):
// a node's GPU state as the policies see it, a task's GPU ask, and the two GPU
// selection rules within a node the paper uses ("best": least free GPU that
// fits; "random"). Pure functions over values.
//
//   GpuNode node{.model = 0, .cpu_left = 32000, .free = free_milli};
//   GpuAsk ask{.cpu = 4000, .milli = 500, .count = 1};
//   std::vector<int32_t> gpus = PickBestFitGpus(node, ask);   // empty: no fit

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "manychip/core/cluster_state.h"
#include "manychip/core/job.h"
#include "manychip/framework/cycle_state.h"

namespace manychip::plugins {

// The policy-relevant state of one node.
struct GpuNode {
  int32_t model = -1;              // catalog index of the node's GPUs; -1 = none
  int64_t cpu_left = 0;            // milli-CPU
  int64_t cpu_capacity = 0;        // milli-CPU
  absl::Span<const int64_t> free;  // per-GPU free milli, index-aligned

  int64_t total_free() const {
    int64_t s = 0;
    for (int64_t f : free) s += f;
    return s;
  }
  int32_t fully_free() const {
    int32_t n = 0;
    for (int64_t f : free) n += f >= 1000 ? 1 : 0;
    return n;
  }
};

// One task's ask. Sharing tasks: count 1, milli < 1000. Whole-GPU tasks:
// milli 1000, count >= 1. CPU-only: count 0, milli 0.
struct GpuAsk {
  int64_t cpu = 0;
  int64_t milli = 0;  // per GPU
  int32_t count = 0;

  bool cpu_only() const { return count == 0; }
  bool sharing() const { return count == 1 && milli < 1000 && milli > 0; }
  int64_t total_milli() const { return milli * count; }
};

// The paper's normalisation constants (largest node: 128 cores, 8 GPUs).
inline constexpr int64_t kMaxSpecCpuMilli = 128000;
inline constexpr int64_t kMaxSpecGpuMilli = 8000;

// Whether the GPUs of `node` can hold `ask` (CPU is the filter's business).
bool GpusFit(const GpuNode& node, const GpuAsk& ask);

// "best": a sharing task takes the GPU with the least free milli that still
// fits (lowest index on ties); whole-GPU tasks take the first `count` fully
// free GPUs. Empty when it does not fit or the task is CPU-only.
std::vector<int32_t> PickBestFitGpus(const GpuNode& node, const GpuAsk& ask);

// "random": a sharing task takes a uniformly random GPU among those that fit,
// drawn from `random` (any 64-bit value from the scheduler's seeded
// generator); whole-GPU tasks take the first `count` fully free GPUs, which
// leaves the same state as any other choice.
std::vector<int32_t> PickRandomGpus(const GpuNode& node, const GpuAsk& ask, uint64_t random);

// The per-GPU free vector after placing `ask` on `gpus`.
void ApplyAsk(std::vector<int64_t>& free, const GpuAsk& ask, absl::Span<const int32_t> gpus);

// The ask of one task's demand (`devices` per task: < 1000 a share, else
// whole cards).
GpuAsk AskOf(const DemandSpec& demand);

// The policy view of a scheduler node. `buf` receives the per-device free
// milli (unhealthy devices read 0) and must outlive the returned value.
GpuNode NodeOf(const NodeView& node, std::vector<int64_t>& buf);

// The "best" GPU pick deferred to the node the scheduler chooses (see
// `DeviceChooser`): the policies that place GPUs by best fit inherit this and
// call `state.DeferDevices(this)` instead of proposing for every node they
// score, which allocated a device list per node per task.
class BestFitDeviceChooser : public DeviceChooser {
 public:
  std::vector<int32_t> ChooseDevices(const CycleState& state, const NodeView& node) const override;

 private:
  mutable std::vector<int64_t> choose_buf_;
};

// Rescales scores linearly so the lowest becomes 0 and the highest 100 (all
// 0 when they are equal), in integers as the paper's NormalizeScore does.
void MinMaxNormalize(absl::Span<int64_t> scores);

}  // namespace manychip::plugins
