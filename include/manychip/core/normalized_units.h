#pragma once

// Normalized units: accelerator throughput measured against the catalog's
// reference card, in milli (1000 = one reference card; with the shipped
// catalog, one H20, hence "H20-equivalents"). Every place that turns cards
// into comparable throughput uses these functions: the quota key "h20e"
// (src/core/quota.cc), the throughput score plugin, the scheduler's flavor
// choice, the trace simulator's run times and service capacity, and the
// workload generator's offered load. See docs/design/normalized-units.md.
//
// The CPU-only rule, decided here once: a CPU-only task (no devices, device
// model -1) counts 0 normalized units. The units measure accelerator
// throughput, and a CPU core has no meaningful exchange rate against a
// reference card; any constant (0.1 card was used before) is invented, lets
// CPU work use up an "h20e" quota meant for accelerators, and makes CPU
// flavors compete with device flavors on a made-up figure. CPU is budgeted by
// the "cpu" quota key instead. A flavor's own `expected_throughput` is the
// caller's explicit claim and is taken as given, CPU-only or not. Code that
// needs a positive speed (the simulator progressing `work`) rejects a
// CPU-only flavor at its input edge rather than inventing one.
//
// Thread-safety: pure functions of their arguments.
//
//   int64_t per_card = CardUnits(catalog, model, JobKind::kTraining);
//   int64_t charge = DeviceUnits(catalog, model, kind, share * cards);
//   int64_t whole = FlavorUnits(catalog, flavor, kind);

#include <cstdint>

#include "manychip/core/catalog.h"
#include "manychip/core/job.h"

namespace manychip {

// The device model of a CPU-only task or node.
inline constexpr int32_t kCpuOnlyModel = -1;

// Normalized units of one whole card of catalog model `model` for a job of
// `kind`: the model's inference factor for inference, its training factor
// otherwise (both > 0 in any built catalog). 0 for `kCpuOnlyModel` and for
// an index outside the catalog.
int64_t CardUnits(const Catalog& catalog, int32_t model, JobKind kind);

// Normalized units of `milli_devices` (share x cards) of `model`:
// CardUnits x milli_devices / 1000, rounded toward zero. 0 for CPU-only.
int64_t DeviceUnits(const Catalog& catalog, int32_t model, JobKind kind, int64_t milli_devices);

// Normalized units of running the whole flavor: its `expected_throughput`
// when set (taken as already normalized), else replicas x milli-devices per
// task x the best accepted model's CardUnits / 1000. 0 for a CPU-only flavor
// without `expected_throughput`.
int64_t FlavorUnits(const Catalog& catalog, const FlavorSpec& flavor, JobKind kind);

}  // namespace manychip
