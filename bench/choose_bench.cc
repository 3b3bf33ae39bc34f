// Choose on the scheduling hot path, per vendor, for one node: 8 devices
// (16 for the PPU board, its only built-in shape), part-occupied, asking for
// 2 and 4 cards. Target: < 1 us per call for built-ins, < 5 us through the
// C ABI (BM_ChooseCAbi loads build/lib/example_adapters/libmanychip_example_adapter.so).
//
//   build/bin/manychip_bench --benchmark_filter=BM_Choose

#include <unistd.h>

#include <filesystem>
#include <memory>

#include "benchmark/benchmark.h"
#include "manychip/adapters/builtin.h"

namespace manychip {
namespace {

NodeSpec BenchNode(const std::string& board, int n) {
  NodeSpec node;
  node.name = "bench";
  node.board = board;
  for (int i = 0; i < n; ++i) {
    DeviceSpec d;
    d.index = i;
    d.model = 0;
    d.memory = MiB::FromRaw(65536);
    d.numa_node = i * 2 / n;
    node.devices.push_back(d);
  }
  return node;
}

const AdapterRegistry& Registry() {
  static const AdapterRegistry* r = [] {
    auto* reg = new AdapterRegistry;
    if (!RegisterBuiltinAdapters(*reg).ok()) std::abort();
    return reg;
  }();
  return *r;
}

// `busy`: device indexes in use. A failed Choose is reported as an error
// unless `expect_fit` is false (the "does not fit" path, also hot).
void RunChoose(benchmark::State& state, const DeviceAdapter& adapter, const std::string& board,
               int n, std::vector<int> busy = {1, 2}, bool expect_fit = true,
               bool bridged_pairs = false) {
  NodeSpec node = BenchNode(board, n);
  if (bridged_pairs) {
    // PCIe GPUs with NVLink bridges on (0,1), (2,3), ...; the rest by NUMA.
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        if (i == j) continue;
        LinkClass c = i / 2 == j / 2 ? LinkClass::kHighSpeed
                      : node.devices[i].numa_node == node.devices[j].numa_node
                          ? LinkClass::kSameCpu
                          : LinkClass::kCrossCpu;
        node.devices[i].links.push_back({j, c, 0});
      }
    }
  }
  std::vector<MilliDevices> free(n, MilliDevices::FromRaw(kMilliPerDevice));
  for (int b : busy) free[b] = MilliDevices::Zero();
  ChooseRequest req;
  req.cards = static_cast<int32_t>(state.range(0));
  for (auto _ : state) {
    ChooseResult r = adapter.Choose(node, free, req);
    benchmark::DoNotOptimize(r);
    if (r.ok != expect_fit) {
      state.SkipWithError(r.ok ? "unexpected fit" : r.detail.c_str());
      break;
    }
  }
}

void Vendor(benchmark::State& state, const char* vendor, const char* board, int n) {
  RunChoose(state, *Registry().FindDevice(vendor), board, n);
}

void BM_ChooseNvidia(benchmark::State& s) { Vendor(s, "nvidia", "hgx-8", 8); }
void BM_ChooseAscend(benchmark::State& s) { Vendor(s, "ascend", "ascend-910a-module", 8); }
void BM_ChooseAscendA2(benchmark::State& s) { Vendor(s, "ascend", "atlas-800t-a2", 8); }
void BM_ChooseKunlun(benchmark::State& s) { Vendor(s, "kunlun", "kunlun-p800-8", 8); }
void BM_ChoosePpu(benchmark::State& s) { Vendor(s, "ppu", "ppu-16", 16); }
void BM_ChooseGeneric(benchmark::State& s) { Vendor(s, "cambricon", "", 8); }
void BM_ChooseNvidiaPcieLinks(benchmark::State& s) {
  RunChoose(s, *Registry().FindDevice("nvidia"), "pcie", 8, {1, 2}, true, true);
}
// One busy NPU in each HCCS ring: a 4-card request cannot fit.
void BM_ChooseAscendNoFit(benchmark::State& s) {
  RunChoose(s, *Registry().FindDevice("ascend"), "ascend-910a-module", 8, {1, 6}, false);
}

void BM_ChooseCAbi(benchmark::State& state) {
  const auto exe = std::filesystem::read_symlink("/proc/self/exe");
  const auto so = exe.parent_path().parent_path() / "lib" / "example_adapters" /
                  "libmanychip_example_adapter.so";
  auto adapter = LoadAdapterLibrary(so.string());
  if (!adapter.ok()) {
    state.SkipWithError(std::string(adapter.status().message()).c_str());
    return;
  }
  RunChoose(state, **adapter, "example-ring4", 8);
}

BENCHMARK(BM_ChooseNvidia)->Arg(2)->Arg(4);
BENCHMARK(BM_ChooseAscend)->Arg(2)->Arg(4);
BENCHMARK(BM_ChooseAscendA2)->Arg(2)->Arg(4);
BENCHMARK(BM_ChooseKunlun)->Arg(2)->Arg(4);
BENCHMARK(BM_ChoosePpu)->Arg(2)->Arg(4);
BENCHMARK(BM_ChooseGeneric)->Arg(2)->Arg(4);
BENCHMARK(BM_ChooseNvidiaPcieLinks)->Arg(2)->Arg(4);
BENCHMARK(BM_ChooseAscendNoFit)->Arg(4);
BENCHMARK(BM_ChooseCAbi)->Arg(2)->Arg(4);

}  // namespace
}  // namespace manychip
