#include "src/plugins/throughput_score.h"

#include <algorithm>

namespace manychip::plugins {

int64_t ModelFactor(const Catalog& catalog, int32_t model, JobKind kind) {
  if (model < 0 || model >= catalog.size()) return 0;
  const DeviceModelSpec& m = catalog.model(model);
  int64_t f = kind == JobKind::kInference ? m.inference_factor_milli : m.training_factor_milli;
  return f > 0 ? f : 1000;
}

int64_t FlavorThroughput(const Catalog& catalog, const FlavorSpec& flavor, JobKind kind) {
  if (flavor.expected_throughput > 0) return flavor.expected_throughput;
  const DemandSpec& d = flavor.demand;
  if (d.is_cpu_only()) return 1000LL * flavor.replicas / 100;  // a CPU task: 0.1 card
  int64_t best = 0;
  for (int32_t m : flavor.device_models) best = std::max(best, ModelFactor(catalog, m, kind));
  // devices is milli per card (whole: 1000*cards); share counts pro rata.
  int64_t milli_cards = d.is_fractional() ? d.devices.raw() : d.devices.raw();
  return best * milli_cards / kMilliPerDevice * flavor.replicas;
}

Decision ThroughputScore::PreScore(CycleState& state, absl::Span<const NodeIndex>) const {
  const FlavorSpec& f = state.flavor();
  // Every node scores the same: the weighted sum gains a constant, the
  // ranking nothing.
  if (f.demand.is_cpu_only() || f.device_models.size() <= 1) return Decision::Skip();
  const JobKind kind = state.job().kind;
  best_ = 0;
  for (int32_t m : f.device_models) best_ = std::max(best_, ModelFactor(*handle_.catalog, m, kind));
  return Decision::Fit();
}

int64_t ThroughputScore::Score(CycleState& state, const NodeView& node) const {
  if (best_ <= 0) return 0;
  return 100 * ModelFactor(*handle_.catalog, node.model(), state.job().kind) / best_;
}

absl::StatusOr<std::unique_ptr<Plugin>> NewThroughputScore(const PluginArgs& args,
                                                           const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new ThroughputScore(handle));
}

}  // namespace manychip::plugins
