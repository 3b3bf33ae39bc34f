// Simulator throughput: the time-based replay (`manychip-sim run`) on
// seed-unicom scaled down, with a `manychip-sim gen` workload.
//
//   build/bin/manychip_bench --benchmark_filter=BM_SimRun
//
// Arguments: (node divisor, jobs). seed-unicom's pools are divided by the
// divisor (1 = the full 1,747 nodes). Generating the workload is outside the
// timed region; items_per_second = replayed jobs per second.

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "manychip/codec/profile.h"
#include "manychip/sim/trace_run.h"
#include "manychip/sim/workload_gen.h"
#include "manychip/v1/types.pb.h"

namespace manychip::sim {
namespace {

void Die(const absl::Status& s) {
  std::fprintf(stderr, "sim_bench: %s\n", s.ToString().c_str());
  std::abort();
}

std::shared_ptr<const Catalog> SimBenchCatalog() {
  static const auto* c = [] {
    auto cat = codec::LoadCatalogFile(MANYCHIP_SOURCE_DIR "/examples/catalog/devices.json");
    if (!cat.ok()) Die(cat.status());
    return new std::shared_ptr<const Catalog>(std::make_shared<Catalog>(*std::move(cat)));
  }();
  return *c;
}

std::vector<NodeSpec> SeedUnicom(int divisor) {
  v1::Cluster proto;
  if (auto s =
          codec::ReadJsonFile(MANYCHIP_SOURCE_DIR "/examples/clusters/seed-unicom.json", &proto);
      !s.ok()) {
    Die(s);
  }
  for (v1::NodeGroup& g : *proto.mutable_node_groups()) {
    g.set_count(std::max(1, g.count() / divisor));
  }
  auto cluster = codec::ClusterFromProto(proto, *SimBenchCatalog());
  if (!cluster.ok()) Die(cluster.status());
  return cluster->nodes;
}

void BM_SimRun(benchmark::State& state) {
  const int divisor = static_cast<int>(state.range(0));
  const int64_t jobs = state.range(1);
  TraceRunOptions o;
  o.catalog = SimBenchCatalog();
  o.nodes = SeedUnicom(divisor);
  auto profile = codec::LoadProfileFile(MANYCHIP_SOURCE_DIR "/examples/profiles/hetero-aware.json");
  if (!profile.ok()) Die(profile.status());
  o.profile = *profile;
  auto proto = GenerateWorkload({.jobs = jobs, .seed = 7, .faults = 8}, o.nodes, *o.catalog);
  if (!proto.ok()) Die(proto.status());
  auto w = WorkloadFromProto(*proto, *o.catalog);
  if (!w.ok()) Die(w.status());
  o.faults = w->faults;
  for (auto _ : state) {
    auto r = RunTrace(o, w->jobs);
    if (!r.ok()) Die(r.status());
    benchmark::DoNotOptimize(r->completed);
  }
  state.SetItemsProcessed(state.iterations() * jobs);
}
BENCHMARK(BM_SimRun)->Args({16, 2000})->Args({1, 20000})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace manychip::sim
