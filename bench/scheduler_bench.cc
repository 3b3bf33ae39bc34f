// Scheduler placement throughput on large mixed-vendor clusters.
//
//   build/bin/manychip_bench --benchmark_filter='BM_Place|BM_Preempt|BM_ClusterState'
//
// Clusters: N nodes x 8 cards, vendors round-robin (nvidia-h20 x86_64,
// ascend-910b aarch64, kunlun-p800 x86_64, ppu-zw810e x86_64), topology path
// pod (1024 nodes) / switch (32 nodes). Catalog: examples/catalog/devices.json.
// No vendor adapters (generic whole-card choice), so figures measure the
// core itself; choose_bench.cc measures the adapters' Choose.
// items_per_second = placements per second; Submit and clean-up are outside
// the timed region.

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "manychip/codec/model.h"
#include "manychip/core/cluster_state.h"
#include "manychip/core/scheduler.h"
#include "manychip/framework/registry.h"
#include "src/metrics/daemon_metrics.h"

namespace manychip {
namespace {

const char* const kModels[] = {"nvidia-h20", "ascend-910b", "kunlun-p800", "ppu-zw810e"};

std::shared_ptr<const Catalog> BenchCatalog() {
  static const auto* c = [] {
    auto cat = codec::LoadCatalogFile(MANYCHIP_SOURCE_DIR "/examples/catalog/devices.json");
    if (!cat.ok()) {
      fprintf(stderr, "catalog: %s\n", cat.status().ToString().c_str());
      std::abort();
    }
    return new std::shared_ptr<const Catalog>(std::make_shared<Catalog>(*std::move(cat)));
  }();
  return *c;
}

int32_t ModelIndex(const char* id) { return BenchCatalog()->Find(id)->index; }

// One node as discovery reports it (adapters/device/*, the recorded hosts in
// tests/testdata/adapters/hosts/): host CPU model and features, software
// stacks, and per device a unique UUID, a PCI bus id, a link group and the
// links of its 8-card board (NVLink all-to-all on HGX, an HCCS mesh on the
// Atlas 800T A2, XPU Link pairs of groups on Kunlun, PCIe on PPU).
NodeSpec MakeNode(int i, int model_slot) {
  const Catalog& cat = *BenchCatalog();
  NodeSpec n;
  n.name = absl::StrCat("node-", i);
  n.arch = model_slot == 1 ? Arch::kAarch64 : Arch::kX86_64;
  if (n.arch == Arch::kAarch64) {
    n.cpu_model = "HiSilicon Kunpeng-920";
    n.cpu_features = {"asimd", "asimddp", "asimdhp", "atomics", "bf16", "i8mm", "sve"};
  } else {
    n.cpu_model = "Intel(R) Xeon(R) Platinum 8480+";
    n.cpu_features = {"sse4_2",   "avx",      "avx2",        "fma",         "avx512f",
                      "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16",
                      "avx_vnni", "amx_tile", "amx_bf16",    "amx_int8"};
  }
  n.cpu = MilliCpu::FromRaw(128000);
  n.memory = MiB::FromRaw(1024 * 1024);
  n.topology_path = {absl::StrCat("pod", i / 1024), absl::StrCat("sw", i / 32)};
  n.labels["zone"] = absl::StrCat("z", i % 3);
  const char* const kBoards[] = {"hgx-8", "atlas-800t-a2", "kunlun-p800-8", ""};
  n.board = kBoards[model_slot];
  switch (model_slot) {
    case 0:
      n.software["nvidia-driver"] = "550.54.15";
      n.software["cuda"] = "12.4";
      break;
    case 1:
      n.software["ascend-driver"] = "24.1.rc2";
      n.software["cann"] = "8.0.RC2";
      break;
    case 2:
      n.software["xre"] = "5.0.21.10";
      break;
    default:
      n.software["ppu-driver"] = "1.4.2";
      break;
  }
  const DeviceModelSpec* m = cat.Find(kModels[model_slot]);
  const int kCards = 8;
  for (int d = 0; d < kCards; ++d) {
    DeviceSpec dev;
    dev.index = d;
    dev.model = m->index;
    dev.memory = m->memory;
    dev.numa_node = d / 4;
    // "GPU-" + 36-char RFC 4122 text, unique per device in the cluster.
    const uint32_t u = static_cast<uint32_t>(i) * kCards + static_cast<uint32_t>(d);
    dev.uuid = absl::StrFormat("GPU-%08x-%04x-%04x-%04x-%012x", u * 2654435761u, model_slot,
                               0x4000 | (d & 0xfff), 0x8000 | (i & 0x3fff), u);
    dev.pci_bus_id = absl::StrFormat("0000:%02x:00.0", 0x18 + 0x10 * d);
    if (model_slot == 1) {
      dev.link_group = "hccs-mesh";
      dev.physical_id = d;
    } else if (model_slot == 2) {
      dev.link_group = d < 4 ? "group-0" : "group-1";
    }
    for (int p = 0; p < kCards; ++p) {
      if (p == d) continue;
      DeviceLinkSpec l;
      l.peer = p;
      if (model_slot == 0) {
        l.link_class = LinkClass::kHighSpeed;
        l.lanes = 18;  // NVLink 4 on H20 HGX: 18 links per GPU
      } else if (model_slot == 1) {
        l.link_class = LinkClass::kHighSpeed;
        l.lanes = 7;  // HCCS full mesh
      } else if (model_slot == 2 && p / 4 == d / 4) {
        l.link_class = LinkClass::kHighSpeed;
        l.lanes = 3;
      } else {
        l.link_class = p / 4 == d / 4 ? LinkClass::kSameCpu : LinkClass::kCrossCpu;
      }
      dev.links.push_back(l);
    }
    n.devices.push_back(std::move(dev));
  }
  return n;
}

std::unique_ptr<Scheduler> MakeScheduler(const FakeClock* clock, int nodes, ProfileSpec profile,
                                         bool one_model = false,
                                         SchedulerObserver* observer = nullptr) {
  SchedulerOptions o;
  o.catalog = BenchCatalog();
  o.clock = clock;
  o.profile = std::move(profile);
  o.observer = observer;
  auto s = Scheduler::Create(std::move(o));
  if (!s.ok()) {
    fprintf(stderr, "scheduler: %s\n", s.status().ToString().c_str());
    std::abort();
  }
  for (int i = 0; i < nodes; ++i) {
    if (!(*s)->AddNode(MakeNode(i, one_model ? 0 : i % 4)).ok()) std::abort();
  }
  return *std::move(s);
}

JobSpec OneTaskJob(const std::string& id, int64_t milli, std::vector<int32_t> models,
                   int32_t priority = 0, bool preemptible = false) {
  JobSpec j;
  j.id = id;
  j.tenant = "bench";
  j.priority = priority;
  j.preemptible = preemptible;
  TaskGroupSpec g;
  g.name = "main";
  FlavorSpec f;
  f.name = "any";
  f.device_models = std::move(models);
  f.demand.devices = MilliDevices::FromRaw(milli);
  f.demand.cpu = MilliCpu::FromRaw(1000);
  f.demand.memory = MiB::FromRaw(4096);
  g.flavors.push_back(std::move(f));
  j.task_groups.push_back(std::move(g));
  return j;
}

std::vector<int32_t> AllModels() {
  std::vector<int32_t> v;
  for (const char* m : kModels) v.push_back(ModelIndex(m));
  return v;
}

// Places `batch` jobs per iteration; frees everything when the cluster is
// about 80% full, so placements see a range of fill levels.
void RunBatches(benchmark::State& state, Scheduler& s, FakeClock& clock, int64_t capacity_milli,
                const std::function<JobSpec(int64_t)>& make, int64_t milli_per_job) {
  const int batch = 1000;
  int64_t seq = 0;
  int64_t used = 0;
  int64_t placed = 0;
  std::vector<TaskRef> running;
  for (auto _ : state) {
    state.PauseTiming();
    if (used + batch * milli_per_job > capacity_milli * 8 / 10) {
      for (const TaskRef& t : running) {
        if (!s.ReportTaskExit(t, true).ok()) std::abort();
      }
      running.clear();
      used = 0;
      clock.Advance(absl::Seconds(120));
    }
    for (int i = 0; i < batch; ++i) {
      if (!s.Submit(make(seq++)).ok()) std::abort();
    }
    state.ResumeTiming();
    CycleResult r = s.RunCycle();
    state.PauseTiming();
    placed += static_cast<int64_t>(r.placed.size());
    for (const Binding& b : r.placed) running.push_back(b.task);
    used += static_cast<int64_t>(r.placed.size()) * milli_per_job;
    state.ResumeTiming();
  }
  state.SetItemsProcessed(placed);
  state.counters["placed_per_iter"] =
      benchmark::Counter(static_cast<double>(placed) / static_cast<double>(state.iterations()));
}

void PlaceSingleCard(benchmark::State& state, SchedulerObserver* observer) {
  const int nodes = static_cast<int>(state.range(0));
  FakeClock clock(absl::FromUnixSeconds(0));
  auto s = MakeScheduler(&clock, nodes, DefaultProfile(), false, observer);
  std::vector<int32_t> models = AllModels();
  RunBatches(
      state, *s, clock, int64_t{nodes} * 8000,
      [&](int64_t i) { return OneTaskJob(absl::StrCat("j", i), 1000, models); }, 1000);
}
void BM_PlaceSingleCard(benchmark::State& state) { PlaceSingleCard(state, nullptr); }
BENCHMARK(BM_PlaceSingleCard)->Arg(5000)->Unit(benchmark::kMillisecond);
// The same with manychipd's metrics hook on (what --http_listen turns on):
// the cost of the metrics on the hot path is the gap to BM_PlaceSingleCard.
void BM_PlaceSingleCard_Metrics(benchmark::State& state) {
  metrics::DaemonMetrics m(DefaultProfile().name);
  PlaceSingleCard(state, m.scheduler_observer());
}
BENCHMARK(BM_PlaceSingleCard_Metrics)->Arg(5000)->Unit(benchmark::kMillisecond);
// The hook alone, per attempt: the bound on the gap above that noise on a
// shared machine cannot hide (divide by BM_PlaceSingleCard's time per job).
void BM_MetricsHookPerAttempt(benchmark::State& state) {
  metrics::DaemonMetrics m(DefaultProfile().name);
  SchedulerObserver* o = m.scheduler_observer();
  for (auto _ : state) {
    o->AttemptStarted();
    o->AttemptFinished(SchedulerObserver::AttemptResult::kScheduled);
  }
}
BENCHMARK(BM_MetricsHookPerAttempt);

void BM_PlaceFractional(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  FakeClock clock(absl::FromUnixSeconds(0));
  ProfileSpec p = DefaultProfile();
  bool fgd = BuiltinPlugins().Contains("fgd");
  for (PluginArgs& a : p.plugins) {
    if (a.name == "binpack" && fgd) {
      // FGD against the benchmark's own workload mix (shares of any model).
      a.name = "fgd";
      a.args["target_workload"] = "1000:250:1:1;1000:500:1:1;1000:750:1:1;1000:1000:1:1";
    }
  }
  state.SetLabel(fgd ? "score=fgd" : "score=binpack (fgd not registered)");
  auto s = MakeScheduler(&clock, nodes, p);
  std::vector<int32_t> models = AllModels();
  std::mt19937_64 rng(7);
  std::vector<int64_t> shares;
  for (int i = 0; i < 1 << 16; ++i) shares.push_back(250 * (1 + static_cast<int64_t>(rng() % 3)));
  RunBatches(
      state, *s, clock, int64_t{nodes} * 8000,
      [&](int64_t i) {
        return OneTaskJob(absl::StrCat("f", i), shares[i % shares.size()], models);
      },
      500);
}
BENCHMARK(BM_PlaceFractional)->Arg(5000)->Unit(benchmark::kMillisecond);

void BM_PlaceGang1024(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  FakeClock clock(absl::FromUnixSeconds(0));
  auto s = MakeScheduler(&clock, nodes, DefaultProfile());
  std::vector<int32_t> models = AllModels();
  // Background load: one card busy on every other node.
  for (int i = 0; i < nodes / 2; ++i) {
    if (!s->Submit(OneTaskJob(absl::StrCat("bg", i), 1000, models)).ok()) std::abort();
  }
  s->RunCycle();
  int64_t seq = 0;
  int64_t placed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    JobSpec g = OneTaskJob(absl::StrCat("gang", seq++), 8000, {ModelIndex("nvidia-h20")});
    g.task_groups[0].flavors[0].replicas = 128;
    if (!s->Submit(g).ok()) std::abort();
    state.ResumeTiming();
    CycleResult r = s->RunCycle();
    state.PauseTiming();
    if (r.placed.size() != 128) {
      state.SkipWithError("gang not placed");
      break;
    }
    placed += 128;
    if (!s->Cancel(g.id).ok()) std::abort();
    s->RunCycle();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(placed);
  state.counters["tasks"] = 128;
  state.counters["cards"] = 1024;
}
BENCHMARK(BM_PlaceGang1024)->Arg(12500)->Unit(benchmark::kMillisecond);

void BM_Preempt(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  FakeClock clock(absl::FromUnixSeconds(0));
  auto s = MakeScheduler(&clock, nodes, DefaultProfile());
  std::vector<int32_t> models = AllModels();
  // Fill every card with preemptible low-priority single-card jobs.
  int64_t total = int64_t{nodes} * 8;
  for (int64_t i = 0; i < total; ++i) {
    if (!s->Submit(OneTaskJob(absl::StrCat("low", i), 1000, models, 0, true)).ok()) std::abort();
  }
  s->RunCycle();
  if (s->cluster().allocation_count() != static_cast<size_t>(total)) {
    state.SkipWithError("cluster not full");
    return;
  }
  int64_t seq = 0, victims = 0;
  for (auto _ : state) {
    state.PauseTiming();
    JobSpec hi = OneTaskJob(absl::StrCat("hi", seq++), 8000, {ModelIndex("nvidia-h20")}, 10);
    if (!s->Submit(hi).ok()) std::abort();
    state.ResumeTiming();
    CycleResult r = s->RunCycle();
    state.PauseTiming();
    if (r.placed.size() != 1) {
      state.SkipWithError("preemptor not placed");
      break;
    }
    victims += static_cast<int64_t>(r.to_stop.size());
    // Put the cluster back: the preemptor leaves, the victims return.
    if (!s->Cancel(hi.id).ok()) std::abort();
    clock.Advance(absl::Seconds(120));
    s->RunCycle();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["victims_per_preemption"] =
      benchmark::Counter(static_cast<double>(victims) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Preempt)->Arg(5000)->Unit(benchmark::kMillisecond);

// Bytes of ClusterState per node at scale (`ClusterState::MemoryBytes`
// over the node count).
void MeasureMemory(benchmark::State& state, NodeSpec (*make)(int i)) {
  const int nodes = static_cast<int>(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    ClusterState cs(BenchCatalog().get());
    for (int i = 0; i < nodes; ++i) {
      if (!cs.AddNode(make(i)).ok()) std::abort();
    }
    bytes = cs.MemoryBytes();
  }
  state.counters["bytes_per_node"] =
      benchmark::Counter(static_cast<double>(bytes) / static_cast<double>(nodes));
}

// The figure (target <= 2 KiB): realistic 8-card nodes, four vendors
// round-robin (MakeNode).
void BM_ClusterStateMemory(benchmark::State& state) {
  MeasureMemory(state, [](int i) { return MakeNode(i, i % 4); });
}
BENCHMARK(BM_ClusterStateMemory)->Arg(12500)->Iterations(1)->Unit(benchmark::kMillisecond);

// The node this benchmark used before it carried device identity and links
// (8 devices with model, memory and NUMA node only): kept so the two figures
// can be compared.
NodeSpec MakeLightNode(int i, int model_slot) {
  const Catalog& cat = *BenchCatalog();
  NodeSpec n;
  n.name = absl::StrCat("node-", i);
  n.arch = model_slot == 1 ? Arch::kAarch64 : Arch::kX86_64;
  n.cpu = MilliCpu::FromRaw(128000);
  n.memory = MiB::FromRaw(1024 * 1024);
  n.topology_path = {absl::StrCat("pod", i / 1024), absl::StrCat("sw", i / 32)};
  n.labels["zone"] = absl::StrCat("z", i % 3);
  n.software["driver"] = "550.54";
  const DeviceModelSpec* m = cat.Find(kModels[model_slot]);
  for (int d = 0; d < 8; ++d) {
    DeviceSpec dev;
    dev.index = d;
    dev.model = m->index;
    dev.memory = m->memory;
    dev.numa_node = d / 4;
    n.devices.push_back(std::move(dev));
  }
  return n;
}

void BM_ClusterStateMemoryLight(benchmark::State& state) {
  MeasureMemory(state, [](int i) { return MakeLightNode(i, i % 4); });
}
BENCHMARK(BM_ClusterStateMemoryLight)->Arg(12500)->Iterations(1)->Unit(benchmark::kMillisecond);

// A 16-card PPU node (board ppu-16: ICN within each group of 8, PCIe across).
NodeSpec MakePpu16Node(int i) {
  NodeSpec n = MakeNode(i, 3);
  n.board = "ppu-16";
  DeviceList::Table devices;
  for (int d = 0; d < 16; ++d) {
    DeviceSpec dev = n.devices[0];
    dev.index = d;
    dev.numa_node = d / 8;
    const uint32_t u = static_cast<uint32_t>(i) * 16 + static_cast<uint32_t>(d);
    dev.uuid = absl::StrFormat("GPU-%08x-%04x-%04x-%04x-%012x", u * 2654435761u, 3,
                               0x4000 | (d & 0xfff), 0x8000 | (i & 0x3fff), u);
    dev.pci_bus_id = absl::StrFormat("0000:%02x:00.0", 0x10 + 0x08 * d);
    dev.links.clear();
    for (int p = 0; p < 16; ++p) {
      if (p == d) continue;
      const bool icn = p / 8 == d / 8;
      dev.links.push_back(
          DeviceLinkSpec{p, icn ? LinkClass::kHighSpeed : LinkClass::kCrossCpu, icn ? 4 : 0});
    }
    devices.push_back(std::move(dev));
  }
  n.devices = std::move(devices);
  return n;
}

void BM_ClusterStateMemoryPpu16(benchmark::State& state) { MeasureMemory(state, MakePpu16Node); }
BENCHMARK(BM_ClusterStateMemoryPpu16)->Arg(12500)->Iterations(1)->Unit(benchmark::kMillisecond);

// A CPU-only host (same host fields as MakeNode's x86 nodes, no devices).
NodeSpec MakeCpuOnlyNode(int i) {
  NodeSpec n = MakeNode(i, 0);
  n.board.clear();
  n.software.clear();
  n.devices.clear();
  return n;
}

void BM_ClusterStateMemoryCpuOnly(benchmark::State& state) {
  MeasureMemory(state, MakeCpuOnlyNode);
}
BENCHMARK(BM_ClusterStateMemoryCpuOnly)->Arg(12500)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace manychip

// The manychip_bench binary's one main (the other bench/*.cc files only
// register benchmarks).
BENCHMARK_MAIN();
