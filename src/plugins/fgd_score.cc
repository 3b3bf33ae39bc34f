#include "src/plugins/fgd_score.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "manychip/status.h"

namespace manychip::plugins {
namespace {

absl::StatusOr<int64_t> ParseField(absl::string_view text, int task, absl::string_view field,
                                   int64_t min_value) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(text, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("target_workload[", task, "].", field, ": not an integer, got '", text, "'"));
  }
  if (v < min_value) {
    return absl::InvalidArgumentError(absl::StrCat("target_workload[", task, "].", field,
                                                   ": must be >= ", min_value, ", got ", v));
  }
  return v;
}

bool ModelAccepted(const FragTask& task, int32_t model) {
  if (task.models.empty()) return true;
  return std::binary_search(task.models.begin(), task.models.end(), model);
}

}  // namespace

absl::StatusOr<FragWorkload> ParseFragWorkload(absl::string_view text) {
  FragWorkload w;
  int i = 0;
  for (absl::string_view part : absl::StrSplit(text, ';', absl::SkipWhitespace())) {
    std::vector<absl::string_view> f = absl::StrSplit(part, ':');
    if (f.size() != 4 && f.size() != 5) {
      return absl::InvalidArgumentError(absl::StrCat(
          "target_workload[", i, "]: expected cpu_milli:gpu_milli:gpu_count:weight[:models], got '",
          part, "'"));
    }
    FragTask t;
    MC_ASSIGN_OR_RETURN(t.cpu_milli, ParseField(f[0], i, "cpu_milli", 0));
    MC_ASSIGN_OR_RETURN(t.gpu_milli, ParseField(f[1], i, "gpu_milli", 0));
    MC_ASSIGN_OR_RETURN(int64_t count, ParseField(f[2], i, "gpu_count", 0));
    MC_ASSIGN_OR_RETURN(t.weight, ParseField(f[3], i, "weight", 1));
    if (t.gpu_milli > 1000) {
      return absl::InvalidArgumentError(
          absl::StrCat("target_workload[", i, "].gpu_milli: must be <= 1000, got ", t.gpu_milli));
    }
    if ((count == 0) != (t.gpu_milli == 0) || count > 1024) {
      return absl::InvalidArgumentError(absl::StrCat(
          "target_workload[", i, "].gpu_count: must be 1..1024 with gpu_milli > 0, or 0 with ",
          "gpu_milli 0, got ", count, " with gpu_milli ", t.gpu_milli));
    }
    t.gpu_count = static_cast<int32_t>(count);
    if (f.size() == 5) {
      for (absl::string_view m : absl::StrSplit(f[4], '|', absl::SkipEmpty())) {
        MC_ASSIGN_OR_RETURN(int64_t idx, ParseField(m, i, "models", 0));
        t.models.push_back(static_cast<int32_t>(idx));
      }
      std::sort(t.models.begin(), t.models.end());
      t.models.erase(std::unique(t.models.begin(), t.models.end()), t.models.end());
    }
    if (__builtin_add_overflow(w.total_weight, t.weight, &w.total_weight)) {
      return absl::InvalidArgumentError("target_workload: total weight overflows");
    }
    w.tasks.push_back(std::move(t));
    ++i;
  }
  if (w.tasks.empty()) {
    return absl::InvalidArgumentError("target_workload: empty, expected at least one task");
  }
  return w;
}

std::string FormatFragWorkload(const FragWorkload& workload) {
  std::vector<std::string> parts;
  parts.reserve(workload.tasks.size());
  for (const FragTask& t : workload.tasks) {
    std::string s = absl::StrCat(t.cpu_milli, ":", t.gpu_milli, ":", t.gpu_count, ":", t.weight);
    if (!t.models.empty()) absl::StrAppend(&s, ":", absl::StrJoin(t.models, "|"));
    parts.push_back(std::move(s));
  }
  return absl::StrJoin(parts, ";");
}

int64_t TaskFrag(const FragTask& task, int32_t model, int64_t cpu_left,
                 absl::Span<const int64_t> free) {
  int64_t idle = 0;
  for (int64_t r : free) idle += r;
  // CPU-only tasks: all idle GPU is fragment whether or not the task fits,
  // as in the paper's code (classes XL and XR).
  if (task.gpu_milli == 0) return idle;
  if (free.empty() || !ModelAccepted(task, model)) return idle;  // NoAccess
  int32_t fit = 0;
  int64_t small = 0;
  for (int64_t r : free) {
    if (r >= task.gpu_milli) {
      ++fit;
    } else {
      small += r;
    }
  }
  if (fit >= task.gpu_count && cpu_left >= task.cpu_milli) return small;  // Q3
  return idle;                                                            // Q1, Q2, Q4
}

int64_t WeightedFrag(const FragWorkload& workload, int32_t model, int64_t cpu_left,
                     absl::Span<const int64_t> free) {
  int64_t sum = 0;
  for (const FragTask& t : workload.tasks) sum += t.weight * TaskFrag(t, model, cpu_left, free);
  return sum;
}

int64_t FgdScore(int64_t weighted_before, int64_t weighted_after, int64_t total_weight) {
  if (total_weight <= 0) return 50;
  const double delta =
      static_cast<double>(weighted_after - weighted_before) / static_cast<double>(total_weight);
  const double sig = 1.0 / (1.0 + std::exp(delta / 1000.0));  // sigmoid(-delta/1000)
  return static_cast<int64_t>(100.0 * sig);
}

FragCache::FragCache(const FragWorkload* workload) : workload_(workload) {
  MC_CHECK(workload != nullptr);
  for (const FragTask& t : workload->tasks) cpu_thresholds_.push_back(t.cpu_milli);
  std::sort(cpu_thresholds_.begin(), cpu_thresholds_.end());
  cpu_thresholds_.erase(std::unique(cpu_thresholds_.begin(), cpu_thresholds_.end()),
                        cpu_thresholds_.end());
}

int64_t FragCache::Get(int32_t model, int64_t cpu_left, absl::Span<const int64_t> free) {
  key_.assign(free.begin(), free.end());
  std::sort(key_.begin(), key_.end());
  const int64_t cpu_bucket =
      std::upper_bound(cpu_thresholds_.begin(), cpu_thresholds_.end(), cpu_left) -
      cpu_thresholds_.begin();
  key_.push_back(cpu_bucket);
  key_.push_back(model);
  auto it = memo_.find(key_);
  if (it != memo_.end()) return it->second;
  const int64_t v = WeightedFrag(*workload_, model, cpu_left, free);
  memo_.emplace(key_, v);
  return v;
}

FgdChoice FgdEvaluate(const GpuNode& node, const GpuAsk& ask, FragCache& cache, bool quantized) {
  FgdChoice out;
  if (!GpusFit(node, ask)) return out;
  const int64_t total = cache.total_weight();
  const int64_t before = cache.Get(node.model, node.cpu_left, node.free);
  std::vector<int64_t> after_free(node.free.begin(), node.free.end());
  if (ask.sharing()) {
    for (size_t g = 0; g < node.free.size(); ++g) {
      if (node.free[g] < ask.milli) continue;
      after_free[g] -= ask.milli;
      const int64_t after = cache.Get(node.model, node.cpu_left - ask.cpu, after_free);
      after_free[g] += ask.milli;
      const int64_t delta = after - before;
      const int64_t score = FgdScore(before, after, total);
      const bool better = !out.fit || (quantized ? score > out.score : delta < out.weighted_delta);
      if (better) {
        out.fit = true;
        out.score = score;
        out.weighted_delta = delta;
        out.weighted_after = after;
        out.gpus.assign(1, static_cast<int32_t>(g));
      }
    }
    return out;
  }
  out.gpus = PickBestFitGpus(node, ask);
  ApplyAsk(after_free, ask, out.gpus);
  const int64_t after = cache.Get(node.model, node.cpu_left - ask.cpu, after_free);
  out.fit = true;
  out.weighted_delta = after - before;
  out.weighted_after = after;
  out.score = FgdScore(before, after, total);
  return out;
}

FgdScorePlugin::FgdScorePlugin(FragWorkload workload, bool quantized)
    : workload_(std::make_unique<FragWorkload>(std::move(workload))),
      quantized_(quantized),
      cache_(workload_.get()) {}

int32_t FgdScorePlugin::InternAsk(const AskKey& key) const {
  // The scheduler scores every node for one task in a row, so the last key
  // almost always matches and the hash map is consulted once per task.
  if (key == last_key_) return last_id_;
  auto [it, inserted] = ask_ids_.emplace(key, static_cast<int32_t>(ask_ids_.size()));
  last_key_ = key;
  last_id_ = it->second;
  return last_id_;
}

const FgdChoice& FgdScorePlugin::Choice(const GpuAsk& ask, const NodeView& node) const {
  const size_t n = static_cast<size_t>(node.index());
  if (memo_.size() <= n) memo_.resize(n + 1);
  NodeMemo& m = memo_[n];
  // Compare in place first: the node rarely changed since it was last scored.
  const auto live = node.device_free();
  bool same = m.cpu_left == node.free_cpu().raw() && m.free.size() == live.size();
  for (size_t d = 0; same && d < live.size(); ++d) same = m.free[d] == live[d].raw();
  if (!same) {
    m.cpu_left = node.free_cpu().raw();
    m.free.resize(live.size());
    for (size_t d = 0; d < live.size(); ++d) m.free[d] = live[d].raw();
    ++m.stamp;
  }
  const size_t id = static_cast<size_t>(InternAsk(AskKey{ask.cpu, ask.milli, ask.count}));
  if (by_ask_.size() <= id) by_ask_.resize(id + 1);
  std::vector<AskSlot>& slots = by_ask_[id];
  if (slots.size() <= n) slots.resize(std::max(n + 1, memo_.size()));
  AskSlot& slot = slots[n];
  if (slot.stamp != m.stamp) {
    GpuNode g;
    g.model = node.model();
    g.cpu_left = m.cpu_left;
    g.cpu_capacity = node.spec().cpu.raw();
    g.free = m.free;
    slot.choice = FgdEvaluate(g, ask, cache_, quantized_);
    slot.stamp = m.stamp;
  }
  return slot.choice;
}

int64_t FgdScorePlugin::Score(CycleState& state, const NodeView& node) const {
  const GpuAsk ask = AskOf(state.demand());
  const FgdChoice& c = Choice(ask, node);
  if (!c.fit) return 0;
  if (!ask.cpu_only()) state.DeferDevices(this);
  return c.score;
}

std::vector<int32_t> FgdScorePlugin::ChooseDevices(const CycleState& state,
                                                   const NodeView& node) const {
  const GpuAsk ask = AskOf(state.demand());
  if (ask.cpu_only()) return {};
  return Choice(ask, node).gpus;
}

absl::StatusOr<std::unique_ptr<Plugin>> NewFgdScore(const PluginArgs& args,
                                                    const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({"target_workload", "quantized"}));
  const std::string text = args.GetString("target_workload", "");
  if (text.empty()) {
    return absl::InvalidArgumentError(
        "plugins.fgd.args.target_workload: required (cpu_milli:gpu_milli:gpu_count:weight;...)");
  }
  absl::StatusOr<FragWorkload> w = ParseFragWorkload(text);
  if (!w.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("plugins.fgd.args.", w.status().message()));
  }
  MC_ASSIGN_OR_RETURN(bool quantized, args.GetBool("quantized", true));
  return std::unique_ptr<Plugin>(new FgdScorePlugin(*std::move(w), quantized));
}

}  // namespace manychip::plugins
