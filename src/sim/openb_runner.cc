#include "manychip/sim/openb_runner.h"

#include <chrono>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "manychip/clock.h"
#include "manychip/core/fragmentation.h"
#include "manychip/core/scheduler.h"
#include "manychip/sim/openb_protocol.h"
#include "manychip/status.h"
#include "src/sim/openb_metrics.h"

namespace manychip::sim {
namespace {

constexpr absl::string_view kTraceWorkload = "trace";

// The runner's own mirror of node state, fed by bindings: what the metrics
// are computed from.
struct MirrorNode {
  int32_t model = -1;
  int64_t cpu_left = 0;
  std::vector<int64_t> free;
  int64_t frag = 0;  // weighted fragmentation (x total weight)
};

}  // namespace

NodeSpec NodeSpecFromOpenb(const OpenbNode& n) {
  NodeSpec s;
  s.name = n.name;
  s.arch = Arch::kX86_64;
  s.cpu = MilliCpu::FromRaw(n.cpu_milli);
  s.memory = MiB::FromRaw(n.memory_mib);
  for (int32_t i = 0; i < n.gpu_count; ++i) {
    DeviceSpec d;
    d.index = i;
    d.model = n.model_index;
    s.devices.push_back(std::move(d));
  }
  return s;
}

absl::StatusOr<OpenbSeedResult> RunOpenbSeed(const std::vector<OpenbNode>& nodes,
                                             const std::vector<OpenbPod>& pods,
                                             const OpenbRunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.catalog == nullptr) return absl::InvalidArgumentError("openb: catalog is required");
  for (const OpenbNode& n : nodes) {
    if (n.gpu_count > 0 && n.model_index < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("openb: node '", n.name, "' has no catalog model (read it with a catalog)"));
    }
  }
  MC_ASSIGN_OR_RETURN(
      OpenbExperiment e,
      BuildOpenbExperiment(
          nodes, pods,
          {.seed = options.seed, .tune_permille = options.tune_permille, .shuffle = true}));
  if (e.capacity_gpu_milli <= 0) return absl::InvalidArgumentError("openb: cluster has no GPUs");

  const std::string workload_arg =
      FormatTargetWorkload(TypicalWorkload(pods, options.popularity_percent));
  absl::StatusOr<plugins::FragWorkload> frag_workload = plugins::ParseFragWorkload(workload_arg);
  if (!frag_workload.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("openb: pods give no typical workload: ", frag_workload.status().message()));
  }
  plugins::FragCache frag_cache(&*frag_workload);

  ProfileSpec profile = options.profile;
  for (PluginArgs& p : profile.plugins) {
    auto it = p.args.find("target_workload");
    if (it != p.args.end() && it->second == kTraceWorkload) it->second = workload_arg;
  }
  // The protocol scores every feasible node (percentageOfNodesToScore = 100).
  profile.max_feasible_nodes = 0;
  // A pod that does not fit is dropped at once: there is no queue to backfill.
  profile.backfill = false;
  profile.seed = options.seed;

  FakeClock clock(absl::UnixEpoch());
  SchedulerOptions so;
  so.catalog = options.catalog;
  so.clock = &clock;
  so.profile = std::move(profile);
  so.seed = options.seed;
  MC_ASSIGN_OR_RETURN(std::unique_ptr<Scheduler> scheduler, Scheduler::Create(std::move(so)));

  std::vector<MirrorNode> mirror;
  mirror.reserve(nodes.size());
  absl::flat_hash_map<std::string, int32_t> mirror_by_name;  // lookups only
  int64_t frag_total = 0;
  for (int32_t k : e.node_order) {
    const OpenbNode& n = nodes[static_cast<size_t>(k)];
    MC_RETURN_IF_ERROR(scheduler->AddNode(NodeSpecFromOpenb(n)));
    MirrorNode m;
    m.model = n.model_index;
    m.cpu_left = n.cpu_milli;
    m.free.assign(static_cast<size_t>(n.gpu_count), 1000);
    m.frag = frag_cache.Get(m.model, m.cpu_left, m.free);
    frag_total += m.frag;
    mirror_by_name[n.name] = static_cast<int32_t>(mirror.size());
    mirror.push_back(std::move(m));
  }

  std::vector<int32_t> all_models;
  for (int32_t i = 0; i < options.catalog->size(); ++i) all_models.push_back(i);

  OpenbSeedResult r;
  r.seed = options.seed;
  r.capacity_gpu_milli = e.capacity_gpu_milli;
  BinnedSeries alloc;
  BinnedSeries frag_ratio;
  int64_t arrived = 0;
  int64_t used = 0;
  const int64_t total = static_cast<int64_t>(e.arrivals.size());
  for (const OpenbPod& p : e.arrivals) {
    MC_RETURN_IF_ERROR(scheduler->Submit(PodToJobSpec(p, all_models, "openb", JobKind::kBatch)));
    CycleResult c = scheduler->RunCycle();
    bool placed = false;
    for (const Binding& b : c.placed) {
      if (b.task.job_id != p.name) {
        return absl::InternalError(absl::StrCat("openb: cycle placed '", b.task.job_id,
                                                "' while replaying '", p.name, "'"));
      }
      auto it = mirror_by_name.find(b.node);
      if (it == mirror_by_name.end()) {
        return absl::InternalError(absl::StrCat("openb: binding to unknown node '", b.node, "'"));
      }
      MirrorNode& m = mirror[static_cast<size_t>(it->second)];
      m.cpu_left -= p.cpu_milli;
      for (int32_t d : b.devices) m.free[static_cast<size_t>(d)] -= b.share.raw();
      frag_total -= m.frag;
      m.frag = frag_cache.Get(m.model, m.cpu_left, m.free);
      frag_total += m.frag;
      placed = true;
    }
    if (placed) {
      ++r.placed;
      used += p.total_gpu_milli();
    } else {
      ++r.failed;
      MC_RETURN_IF_ERROR(scheduler->Cancel(p.name));
    }
    ++r.arrivals;
    arrived += p.total_gpu_milli();
    const int x = ArrivedPercent(arrived, e.capacity_gpu_milli);
    alloc.Record(x, RoundedPercent(used, e.capacity_gpu_milli));
    const int64_t idle = e.capacity_gpu_milli - used;
    frag_ratio.Record(x, idle > 0 ? 100.0 * static_cast<double>(frag_total) /
                                        static_cast<double>(frag_workload->total_weight) /
                                        static_cast<double>(idle)
                                  : 0.0);
    if (options.progress) options.progress(r.arrivals, total);
  }
  auto unalloc = [&](int x) { return 100.0 - alloc.MeanAt(x).value_or(0.0); };
  r.unallocated_gpu_pct_at_100 = unalloc(100);
  r.unallocated_gpu_pct_at_130 = unalloc(130);
  r.frag_ratio_pct_at_100 = frag_ratio.MeanAt(100).value_or(0.0);
  for (int x : alloc.Xs()) {
    r.arrived_pct.push_back(x);
    r.alloc_pct.push_back(*alloc.MeanAt(x));
  }
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace manychip::sim
