#include "manychip/sim/openb_batch.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "manychip/status.h"
#include "src/sim/json_writer.h"

namespace manychip::sim {

absl::StatusOr<OpenbPolicyResult> RunOpenbPolicy(const std::vector<OpenbNode>& nodes,
                                                 const std::vector<OpenbPod>& pods,
                                                 const std::string& policy,
                                                 const OpenbRunOptions& base,
                                                 const std::vector<uint64_t>& seeds, int threads,
                                                 const std::function<void(int64_t)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  if (seeds.empty()) return absl::InvalidArgumentError("seeds: must not be empty");
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min<int>(threads, static_cast<int>(seeds.size()));

  std::vector<absl::StatusOr<OpenbSeedResult>> results(seeds.size(), absl::UnknownError("not run"));
  std::atomic<size_t> next{0};
  std::atomic<int64_t> done{0};
  auto worker = [&] {
    for (size_t i = next++; i < seeds.size(); i = next++) {
      OpenbRunOptions o = base;
      o.seed = seeds[i];
      int64_t last = 0;
      if (progress) {
        o.progress = [&](int64_t d, int64_t) {
          // Report in steps to keep the shared counter cheap.
          if (d - last >= 256) {
            progress(done += d - last);
            last = d;
          }
        };
      }
      results[i] = RunOpenbSeed(nodes, pods, o);
      if (progress && results[i].ok()) progress(done += results[i]->arrivals - last);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();

  OpenbPolicyResult out;
  out.policy = policy;
  out.profile_name = base.profile.name;
  std::map<int, std::pair<double, int>> curve;  // ordered by x
  for (absl::StatusOr<OpenbSeedResult>& r : results) {
    if (!r.ok()) return r.status();
    out.unallocated_at_100 += r->unallocated_gpu_pct_at_100;
    out.unallocated_at_130 += r->unallocated_gpu_pct_at_130;
    out.frag_ratio_at_100 += r->frag_ratio_pct_at_100;
    for (size_t k = 0; k < r->arrived_pct.size(); ++k) {
      auto& c = curve[r->arrived_pct[k]];
      c.first += r->alloc_pct[k];
      ++c.second;
    }
    out.seeds.push_back(*std::move(r));
  }
  const double n = static_cast<double>(out.seeds.size());
  out.unallocated_at_100 /= n;
  out.unallocated_at_130 /= n;
  out.frag_ratio_at_100 /= n;
  for (const auto& [x, c] : curve) {
    out.curve_arrived_pct.push_back(x);
    out.curve_alloc_pct.push_back(c.first / c.second);
  }
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::string OpenbResultJson(const OpenbPolicyResult& r, bool with_wall) {
  internal::JsonWriter w;
  w.BeginObject();
  w.String("policy", r.policy);
  w.String("profile", r.profile_name);
  std::vector<int64_t> seeds;
  std::vector<double> at100, at130, frag;
  int64_t arrivals = 0, failed = 0;
  for (const OpenbSeedResult& s : r.seeds) {
    seeds.push_back(static_cast<int64_t>(s.seed));
    at100.push_back(s.unallocated_gpu_pct_at_100);
    at130.push_back(s.unallocated_gpu_pct_at_130);
    frag.push_back(s.frag_ratio_pct_at_100);
    arrivals += s.arrivals;
    failed += s.failed;
  }
  w.IntArray("seeds", seeds);
  w.BeginObject("unallocated_gpu_pct");
  w.Double("at_100", r.unallocated_at_100);
  w.Double("at_130", r.unallocated_at_130);
  w.DoubleArray("per_seed_at_100", at100);
  w.DoubleArray("per_seed_at_130", at130);
  w.EndObject();
  w.BeginObject("curve");
  std::vector<int64_t> xs(r.curve_arrived_pct.begin(), r.curve_arrived_pct.end());
  w.IntArray("arrived_pct", xs);
  w.DoubleArray("alloc_pct", r.curve_alloc_pct);
  w.EndObject();
  w.Double("frag_ratio_pct_at_100", r.frag_ratio_at_100);
  w.DoubleArray("per_seed_frag_ratio_pct_at_100", frag);
  w.Int("arrivals", arrivals);
  w.Int("failed", failed);
  if (with_wall) w.Double("wall_seconds", r.wall_seconds, 3);
  w.EndObject();
  return w.str() + "\n";
}

}  // namespace manychip::sim
