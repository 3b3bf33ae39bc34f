#include "manychip/sim/workload_gen.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "manychip/core/normalized_units.h"
#include "src/sim/rng.h"

namespace manychip::sim {
namespace {

using internal::SimRng;

struct ModelInfo {
  int32_t index = 0;
  int32_t cards_per_node = 0;  // smallest node of this model
  int64_t cards = 0;
};

// Uniform integer in [lo, hi].
int64_t Uniform(SimRng& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(hi - lo + 1)));
}

// Index into `weights` (percent, summing to 100).
int Pick(SimRng& rng, std::initializer_list<int> weights) {
  int64_t x = Uniform(rng, 0, 99);
  int i = 0;
  for (int w : weights) {
    if (x < w) return i;
    x -= w;
    ++i;
  }
  return i - 1;
}

void SetDemand(v1::Demand* d, int64_t cards) {
  d->set_milli_devices(cards * 1000);
  d->set_cpu_milli(cards * 6000);
  d->set_memory_mib(cards * 49152);
}

// Adds the group's flavors: one accepting every model, or one per model with
// a measured throughput (catalog factor x a per-job preference).
void AddFlavors(SimRng& rng, const Catalog& catalog, const std::vector<ModelInfo>& models,
                bool per_model, bool inference, int64_t cards_per_task, int32_t replicas,
                v1::TaskGroup* g) {
  if (!per_model) {
    v1::Flavor* f = g->add_flavors();
    f->set_name("any");
    for (const ModelInfo& m : models) f->add_device_models(catalog.model(m.index).id);
    f->set_replicas(replicas);
    SetDemand(f->mutable_demand(), cards_per_task);
    return;
  }
  for (const ModelInfo& m : models) {
    const DeviceModelSpec& spec = catalog.model(m.index);
    v1::Flavor* f = g->add_flavors();
    f->set_name(spec.id);
    f->add_device_models(spec.id);
    f->set_replicas(replicas);
    SetDemand(f->mutable_demand(), cards_per_task);
    const int64_t factor =
        CardUnits(catalog, m.index, inference ? JobKind::kInference : JobKind::kTraining);
    const int64_t preference = Uniform(rng, 800, 1200);
    // Normalized throughput of the whole group, milli reference cards.
    f->set_expected_throughput(
        std::max<int64_t>(1, factor * preference / 1000 * cards_per_task * replicas));
  }
}

}  // namespace

absl::StatusOr<v1::Workload> GenerateWorkload(const GenOptions& o,
                                              const std::vector<NodeSpec>& nodes,
                                              const Catalog& catalog) {
  if (o.jobs < 1 || o.jobs > 10'000'000) {
    return absl::InvalidArgumentError(absl::StrCat("jobs: must be in 1..10000000, got ", o.jobs));
  }
  if (o.inference_pct < 0 || o.inference_pct > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat("inference_pct: must be in 0..100, got ", o.inference_pct));
  }
  if (o.load_pct < 1 || o.load_pct > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("load_pct: must be in 1..1000, got ", o.load_pct));
  }
  if (o.faults < 0) {
    return absl::InvalidArgumentError(absl::StrCat("faults: must be >= 0, got ", o.faults));
  }
  std::map<int32_t, ModelInfo> by_model;  // ordered: catalog order
  int64_t capacity = 0;                   // milli reference cards
  for (const NodeSpec& n : nodes) {
    std::map<int32_t, int32_t> count;
    for (const DeviceSpec& d : n.devices) ++count[d.model];
    for (const auto& [model, c] : count) {
      ModelInfo& m = by_model[model];
      m.index = model;
      m.cards_per_node = m.cards_per_node == 0 ? c : std::min(m.cards_per_node, c);
      m.cards += c;
      capacity += c * CardUnits(catalog, model, JobKind::kTraining);
    }
  }
  if (by_model.empty()) return absl::InvalidArgumentError("cluster: has no devices");
  std::vector<ModelInfo> models;
  int32_t min_per_node = INT32_MAX;
  for (const auto& [index, m] : by_model) {
    models.push_back(m);
    min_per_node = std::min(min_per_node, m.cards_per_node);
  }
  int64_t task_cap = 1;  // largest power of two <= min_per_node
  while (task_cap * 2 <= min_per_node) task_cap *= 2;

  SimRng rng(o.seed);
  v1::Workload w;
  w.set_name(absl::StrCat("gen-", o.jobs, "-seed", o.seed));
  w.set_generator(absl::StrCat("manychip-sim gen --jobs ", o.jobs, " --seed ", o.seed,
                               " --inference-pct ", o.inference_pct, " --load-pct ", o.load_pct,
                               " --faults ", o.faults));
  // Offered normalized work, milli reference-card seconds (services count
  // their cards at reference speed for their lifetime).
  int64_t offered = 0;
  static constexpr int kSizes[] = {1, 2, 4, 8, 16, 32};
  static constexpr const char* kTenants[] = {"team-a", "team-b", "team-c", "team-d"};
  for (int64_t i = 0; i < o.jobs; ++i) {
    v1::WorkloadJob* wj = w.add_jobs();
    v1::Job* job = wj->mutable_job();
    const bool inference = Uniform(rng, 0, 99) < o.inference_pct;
    const bool per_model = Uniform(rng, 0, 1) == 1;
    job->set_id(absl::StrCat(inference ? "svc-" : "train-", i));
    job->set_tenant(kTenants[Uniform(rng, 0, 3)]);
    v1::TaskGroup* g = job->add_task_groups();
    if (inference) {
      job->set_kind(v1::INFERENCE);
      job->set_priority(100);
      const int32_t replicas = static_cast<int32_t>(Uniform(rng, 1, 4));
      static constexpr int kCards[] = {1, 2, 4};
      const int64_t cards = std::min<int64_t>(kCards[Pick(rng, {60, 30, 10})], task_cap);
      const int64_t lifetime = Uniform(rng, 3600, 12 * 3600);
      static constexpr int kSlo[] = {100, 200, 500};
      job->mutable_inference()->set_latency_slo_ms(kSlo[Uniform(rng, 0, 2)]);
      job->set_duration_seconds(lifetime);
      g->set_name("server");
      AddFlavors(rng, catalog, models, per_model, true, cards, replicas, g);
      v1::InferenceLoad* load = wj->mutable_inference_load();
      load->set_reference_latency_ms(Uniform(rng, 40, 160));
      load->set_reference_capacity_milli(10'000);
      load->set_request_rate_milli(replicas * cards * 10'000 * Uniform(rng, 500, 1000) / 1000);
      offered += replicas * cards * 1000 * lifetime;
    } else {
      job->set_kind(v1::TRAINING);
      job->set_preemptible(Uniform(rng, 0, 1) == 1);
      const int64_t size = kSizes[Pick(rng, {40, 15, 15, 20, 7, 3})];
      const int64_t per_task = std::min(size, task_cap);
      const int32_t replicas = static_cast<int32_t>(size / per_task);
      int64_t seconds = 0;
      switch (Pick(rng, {50, 35, 15})) {
        case 0:
          seconds = Uniform(rng, 600, 3600);
          break;
        case 1:
          seconds = Uniform(rng, 3600, 6 * 3600);
          break;
        default:
          seconds = Uniform(rng, 6 * 3600, 24 * 3600);
          break;
      }
      job->set_duration_seconds(seconds);
      wj->set_work(seconds * size);
      g->set_name("workers");
      AddFlavors(rng, catalog, models, per_model, false, per_task, replicas, g);
      offered += seconds * size * 1000;
    }
  }
  // Poisson arrivals over the window that makes the offered load load_pct%
  // of the capacity.
  const double window =
      static_cast<double>(offered) * 100.0 / (static_cast<double>(capacity) * o.load_pct);
  const double mean_gap = window / static_cast<double>(o.jobs);
  double t = 0;
  for (int64_t i = 0; i < o.jobs; ++i) {
    // 53 random bits -> (0, 1].
    const double u = (static_cast<double>(rng.Next() >> 11) + 1.0) / 9007199254740992.0;
    t += -std::log(u) * mean_gap;
    w.mutable_jobs(static_cast<int>(i))->set_submit_seconds(static_cast<int64_t>(t));
  }
  const int64_t end = std::max<int64_t>(1, static_cast<int64_t>(t));
  std::vector<std::pair<int64_t, v1::FaultEvent>> faults;
  for (int32_t i = 0; i < o.faults; ++i) {
    v1::FaultEvent f;
    f.set_at_seconds(Uniform(rng, 0, end));
    const NodeSpec& n = nodes[rng.Below(nodes.size())];
    f.set_node(n.name);
    if (Uniform(rng, 0, 1) == 1 && !n.devices.empty()) {
      f.set_device(static_cast<int32_t>(rng.Below(n.devices.size())));
    }
    f.set_recover_at_seconds(f.at_seconds() + Uniform(rng, 600, 4 * 3600));
    faults.emplace_back(f.at_seconds(), std::move(f));
  }
  std::stable_sort(faults.begin(), faults.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [at, f] : faults) *w.add_faults() = std::move(f);
  return w;
}

}  // namespace manychip::sim
