#include "manychip/sim/openb_protocol.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/sim/rng.h"

namespace manychip::sim {

absl::StatusOr<OpenbExperiment> BuildOpenbExperiment(const std::vector<OpenbNode>& nodes,
                                                     const std::vector<OpenbPod>& pods,
                                                     const OpenbProtocolOptions& options) {
  if (options.tune_permille < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tune: must be >= 0, got ", options.tune_permille, " permille"));
  }
  OpenbExperiment e;
  for (const OpenbNode& n : nodes) e.capacity_gpu_milli += 1000 * int64_t{n.gpu_count};

  internal::SimRng rng(options.seed);

  // The paper sorts by name before shuffling, so the file's row order never
  // matters; the sort is stable so duplicate names keep file order.
  std::vector<OpenbPod> sorted = pods;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const OpenbPod& a, const OpenbPod& b) { return a.name < b.name; });
  e.arrivals = sorted;
  if (options.shuffle) rng.Shuffle(e.arrivals);

  int64_t total = 0;
  for (const OpenbPod& p : e.arrivals) total += p.total_gpu_milli();
  if (options.tune_permille > 0 && !sorted.empty()) {
    const int64_t target = e.capacity_gpu_milli * options.tune_permille / 1000;
    if (total < target) {
      // Sample with replacement, appending after the shuffled trace. The stop
      // test compares the per-GPU share, not the pod's total, as the paper's
      // simulator does, so the total may overshoot by one multi-GPU pod.
      for (int64_t i = 0;; ++i) {
        const OpenbPod& s = sorted[rng.Below(sorted.size())];
        if (total + s.gpu_milli > target) break;
        OpenbPod copy = s;
        copy.name = absl::StrCat(s.name, "-tuned-", i);
        total += copy.total_gpu_milli();
        e.arrivals.push_back(std::move(copy));
      }
    } else {
      // Too much demand: drop random pods until the total fits.
      while (total > target && !e.arrivals.empty()) {
        const size_t k = static_cast<size_t>(rng.Below(e.arrivals.size()));
        total -= e.arrivals[k].total_gpu_milli();
        e.arrivals.erase(e.arrivals.begin() + static_cast<ptrdiff_t>(k));
      }
    }
  }
  e.arrived_gpu_milli = total;
  e.node_order = rng.Permutation(static_cast<int32_t>(nodes.size()));
  return e;
}

std::vector<TaskShape> TypicalWorkload(const std::vector<OpenbPod>& pods, int popularity_percent) {
  using Key = std::tuple<int64_t, int64_t, int32_t, std::vector<int32_t>>;
  std::map<Key, int64_t> counts;  // ordered: deterministic
  for (const OpenbPod& p : pods) {
    ++counts[Key(p.cpu_milli, p.gpu_milli, p.num_gpu, p.gpu_spec_indexes)];
  }
  std::vector<std::pair<Key, int64_t>> groups(counts.begin(), counts.end());
  std::stable_sort(groups.begin(), groups.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<TaskShape> w;
  const int64_t n = static_cast<int64_t>(pods.size());
  int64_t covered = 0;
  for (const auto& [key, count] : groups) {
    if (covered * 100 >= n * popularity_percent) break;
    TaskShape t;
    t.cpu_milli = std::get<0>(key);
    t.gpu_milli = std::get<1>(key);
    t.gpu_count = std::get<2>(key);
    t.models = std::get<3>(key);
    t.count = count;
    covered += count;
    w.push_back(std::move(t));
  }
  return w;
}

std::string FormatTargetWorkload(const std::vector<TaskShape>& shapes) {
  std::string out;
  for (const TaskShape& t : shapes) {
    if (!out.empty()) out.push_back(';');
    absl::StrAppend(&out, t.cpu_milli, ":", t.gpu_milli, ":", t.gpu_count, ":", t.count);
    if (!t.models.empty()) absl::StrAppend(&out, ":", absl::StrJoin(t.models, "|"));
  }
  return out;
}

}  // namespace manychip::sim
