#pragma once

// `manychip-sim gen`: a synthetic training + inference workload for a
// cluster, deterministic per seed (the simulator's own SimRng; no standard
// library distribution decides a value).
//
// Distributions (every draw uniform unless stated):
//  - Kind: inference with probability `inference_pct`%, else training.
//  - Training size in cards: 1 (40%), 2 (15%), 4 (15%), 8 (20%), 16 (7%),
//    32 (3%). A task holds min(size, T) cards where T is the largest power of
//    two no larger than the smallest cards-per-node of any model in the
//    cluster; the gang has size / T tasks (min_available = all).
//  - Training work: a run time at reference speed of 10 min-1 h (50%),
//    1-6 h (35%) or 6-24 h (15%), times the size: work in reference-card
//    seconds. `job.duration_seconds` carries that reference run time as the
//    user's estimate (the core's backfill reads it); the replay derives the
//    real run time from where the job lands.
//  - Placement choices, half of the jobs each: one flavor accepting every
//    model of the cluster (its speed is the catalog factor of the model it
//    lands on: node scoring decides), or one flavor per model with a measured
//    `expected_throughput` = catalog factor x a per-job preference drawn in
//    [800, 1200] permille (the flavor choice decides).
//  - Training priority 0, preemptible with probability 50%.
//  - Inference services: 1-4 replicas of 1 (60%), 2 (30%) or 4 (10%) cards;
//    latency SLO 100, 200 or 500 ms; reference latency 40-160 ms (a replica
//    on a model with inference factor f answers in ref x 1000 / f ms);
//    reference capacity 10 requests/s per card; offered rate 50-100% of the
//    service's capacity on reference cards; lifetime 1-12 h; priority 100.
//  - Arrivals: a Poisson process (exponential gaps, whole seconds) whose rate
//    makes the offered normalized load `load_pct`% of the cluster's
//    normalized capacity (cards x training factor) over the arrival window.
//  - Faults: `faults` events at uniform times in the arrival window, on a
//    uniform node; half of them one uniform device of it; each recovers
//    after 10 min-4 h.
//  - Tenants team-a..team-d; per task 6 CPU cores and 48 GiB of memory per
//    card.
//
// Thread-safety: a pure function of its inputs.
//
//   GenOptions g{.jobs = 100000, .seed = 7};
//   MC_ASSIGN_OR_RETURN(v1::Workload w, GenerateWorkload(g, nodes, *catalog));

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "manychip/core/catalog.h"
#include "manychip/core/node.h"
#include "manychip/v1/workload.pb.h"

namespace manychip::sim {

struct GenOptions {
  int64_t jobs = 1000;
  uint64_t seed = 42;
  int32_t inference_pct = 30;  // 0..100
  int32_t load_pct = 85;       // 1..1000
  int32_t faults = 0;          // >= 0
};

// InvalidArgument for options out of range or a cluster without devices.
absl::StatusOr<v1::Workload> GenerateWorkload(const GenOptions& options,
                                              const std::vector<NodeSpec>& nodes,
                                              const Catalog& catalog);

}  // namespace manychip::sim
