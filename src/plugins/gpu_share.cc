#include "src/plugins/gpu_share.h"

namespace manychip::plugins {

bool GpusFit(const GpuNode& node, const GpuAsk& ask) {
  if (ask.cpu_only()) return true;
  int32_t fit = 0;
  for (int64_t f : node.free) fit += f >= ask.milli ? 1 : 0;
  return fit >= ask.count;
}

std::vector<int32_t> PickBestFitGpus(const GpuNode& node, const GpuAsk& ask) {
  std::vector<int32_t> out;
  if (ask.cpu_only()) return out;
  if (ask.sharing()) {
    int32_t best = -1;
    for (size_t g = 0; g < node.free.size(); ++g) {
      if (node.free[g] < ask.milli) continue;
      if (best < 0 || node.free[g] < node.free[static_cast<size_t>(best)]) {
        best = static_cast<int32_t>(g);
      }
    }
    if (best >= 0) out.push_back(best);
    return out;
  }
  for (size_t g = 0; g < node.free.size() && static_cast<int32_t>(out.size()) < ask.count; ++g) {
    if (node.free[g] >= ask.milli) out.push_back(static_cast<int32_t>(g));
  }
  if (static_cast<int32_t>(out.size()) < ask.count) out.clear();
  return out;
}

std::vector<int32_t> PickRandomGpus(const GpuNode& node, const GpuAsk& ask, uint64_t random) {
  if (!ask.sharing()) return PickBestFitGpus(node, ask);
  int64_t fits = 0;
  for (int64_t f : node.free) fits += f >= ask.milli ? 1 : 0;
  std::vector<int32_t> out;
  if (fits == 0) return out;
  int64_t k = static_cast<int64_t>(random % static_cast<uint64_t>(fits));
  for (size_t g = 0; g < node.free.size(); ++g) {
    if (node.free[g] < ask.milli) continue;
    if (k-- == 0) {
      out.push_back(static_cast<int32_t>(g));
      break;
    }
  }
  return out;
}

GpuAsk AskOf(const DemandSpec& demand) {
  GpuAsk a;
  a.cpu = demand.cpu.raw();
  if (demand.is_cpu_only()) return a;
  a.count = demand.card_count();
  a.milli = demand.is_fractional() ? demand.devices.raw() : kMilliPerDevice;
  return a;
}

GpuNode NodeOf(const NodeView& node, std::vector<int64_t>& buf) {
  auto free = node.device_free();
  buf.resize(free.size());
  for (size_t i = 0; i < free.size(); ++i) buf[i] = free[i].raw();
  GpuNode g;
  g.model = node.model();
  g.cpu_left = node.free_cpu().raw();
  g.cpu_capacity = node.spec().cpu.raw();
  g.free = buf;
  return g;
}

std::vector<int32_t> BestFitDeviceChooser::ChooseDevices(const CycleState& state,
                                                         const NodeView& node) const {
  return PickBestFitGpus(NodeOf(node, choose_buf_), AskOf(state.demand()));
}

void MinMaxNormalize(absl::Span<int64_t> scores) {
  if (scores.empty()) return;
  int64_t lo = scores[0], hi = scores[0];
  for (int64_t s : scores) {
    lo = s < lo ? s : lo;
    hi = s > hi ? s : hi;
  }
  for (int64_t& s : scores) s = hi == lo ? 0 : (s - lo) * 100 / (hi - lo);
}

void ApplyAsk(std::vector<int64_t>& free, const GpuAsk& ask, absl::Span<const int32_t> gpus) {
  for (int32_t g : gpus) free[static_cast<size_t>(g)] -= ask.milli;
}

}  // namespace manychip::plugins
