#include "manychip/core/normalized_units.h"

#include <algorithm>

namespace manychip {

int64_t CardUnits(const Catalog& catalog, int32_t model, JobKind kind) {
  if (model < 0 || model >= catalog.size()) return 0;  // CPU-only: see the header
  const DeviceModelSpec& m = catalog.model(model);
  // Catalog::Create sets both factors > 0 or fails: no default is needed,
  // and inventing one would skew quotas (see catalog.cc).
  return kind == JobKind::kInference ? m.inference_factor_milli : m.training_factor_milli;
}

int64_t DeviceUnits(const Catalog& catalog, int32_t model, JobKind kind, int64_t milli_devices) {
  return CardUnits(catalog, model, kind) * milli_devices / kMilliPerDevice;
}

int64_t FlavorUnits(const Catalog& catalog, const FlavorSpec& flavor, JobKind kind) {
  if (flavor.expected_throughput > 0) return flavor.expected_throughput;
  if (flavor.demand.is_cpu_only()) return 0;
  int64_t best = 0;
  for (int32_t m : flavor.device_models) best = std::max(best, CardUnits(catalog, m, kind));
  // demand.devices is per task: 1000 x cards for whole cards, the share for
  // a fraction of one.
  return best * flavor.demand.devices.raw() / kMilliPerDevice * flavor.replicas;
}

}  // namespace manychip
