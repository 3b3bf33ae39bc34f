#include "src/plugins/fgd_lex_score.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "manychip/status.h"
#include "src/plugins/best_fit_score.h"

namespace manychip::plugins {

absl::StatusOr<std::vector<FgdLexKey>> ParseFgdLexOrder(absl::string_view text) {
  std::vector<FgdLexKey> out;
  int i = 0;
  for (absl::string_view k : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    k = absl::StripAsciiWhitespace(k);
    FgdLexKey key;
    key.reversed = absl::ConsumePrefix(&k, "-");
    if (k == "score") {
      key.kind = FgdLexKey::kScore;
    } else if (k == "delta") {
      key.kind = FgdLexKey::kDelta;
    } else if (k == "after") {
      key.kind = FgdLexKey::kAfter;
    } else if (k == "scarcity") {
      key.kind = FgdLexKey::kScarcity;
    } else if (k == "bestfit") {
      key.kind = FgdLexKey::kBestFit;
    } else if (k == "idle") {
      key.kind = FgdLexKey::kIdle;
    } else if (k == "cpuidle") {
      key.kind = FgdLexKey::kCpuIdle;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("order[", i, "]: unknown key '", k,
                       "' (score, delta, after, scarcity, bestfit, idle, cpuidle; '-' reverses)"));
    }
    for (const FgdLexKey& o : out) {
      if (o.kind == key.kind) {
        return absl::InvalidArgumentError(absl::StrCat("order[", i, "]: '", k, "' listed twice"));
      }
    }
    out.push_back(key);
    ++i;
  }
  if (out.empty()) return absl::InvalidArgumentError("order: empty, expected at least one key");
  return out;
}

std::vector<int64_t> TypedDemandByModel(const FragWorkload& workload) {
  std::vector<int64_t> out;
  for (const FragTask& t : workload.tasks) {
    if (t.gpu_milli == 0 || t.models.empty()) continue;
    for (int32_t m : t.models) {
      if (out.size() <= static_cast<size_t>(m)) out.resize(static_cast<size_t>(m) + 1, 0);
      out[static_cast<size_t>(m)] += t.weight * t.gpu_milli * t.gpu_count;
    }
  }
  return out;
}

FgdLexScore::FgdLexScore(FragWorkload workload, bool quantized, std::vector<FgdLexKey> order,
                         int64_t score_slack, const ClusterState* cluster)
    : fgd_(std::move(workload), quantized),
      order_(std::move(order)),
      score_slack_(score_slack),
      cluster_(cluster) {
  typed_demand_ = TypedDemandByModel(fgd_.workload());
}

int64_t FgdLexScore::Score(CycleState& state, const NodeView& node) const {
  const GpuAsk ask = AskOf(state.demand());
  const FgdChoice& c = fgd_.Choice(ask, node);
  if (!c.fit) return 0;
  if (!ask.cpu_only()) state.DeferDevices(this);
  return c.score;
}

void FgdLexScore::NormalizeScore(CycleState& state, absl::Span<const NodeIndex> feasible,
                                 absl::Span<int64_t> scores) const {
  if (feasible.empty()) return;
  const GpuAsk ask = AskOf(state.demand());
  const size_t width = order_.size();
  keys_.assign(feasible.size() * width, 0);
  // With a slack, every score within `score_slack_` of the best counts as
  // the best: a coarser FGD quantisation.
  int64_t best_score = 0;
  if (score_slack_ > 0) {
    for (NodeIndex n : feasible) {
      best_score = std::max(best_score, fgd_.Choice(ask, cluster_->view(n)).score);
    }
  }
  for (size_t i = 0; i < feasible.size(); ++i) {
    const NodeView node = cluster_->view(feasible[i]);
    const FgdChoice& c = fgd_.Choice(ask, node);
    int64_t* k = &keys_[i * width];
    for (size_t j = 0; j < width; ++j) {
      switch (order_[j].kind) {
        case FgdLexKey::kScore:
          k[j] = score_slack_ > 0 && c.score >= best_score - score_slack_ ? -best_score : -c.score;
          break;
        case FgdLexKey::kDelta:
          k[j] = c.weighted_delta;
          break;
        case FgdLexKey::kAfter:
          k[j] = c.weighted_after;
          break;
        case FgdLexKey::kScarcity: {
          const size_t m = static_cast<size_t>(node.model());
          k[j] = node.model() >= 0 && m < typed_demand_.size() ? typed_demand_[m] : 0;
          break;
        }
        case FgdLexKey::kBestFit:
          k[j] = -BestFitRawScore(NodeOf(node, buf_), ask);
          break;
        case FgdLexKey::kIdle:
          k[j] = NodeOf(node, buf_).total_free() - ask.total_milli();
          break;
        case FgdLexKey::kCpuIdle:
          k[j] = ask.cpu_only() ? NodeOf(node, buf_).total_free() : 0;
          break;
      }
      if (order_[j].reversed) k[j] = -k[j];
    }
  }
  // The feasible list is in no particular order; equal keys go to the lowest
  // node index, as the scheduler breaks ties.
  size_t best = 0;
  for (size_t i = 1; i < feasible.size(); ++i) {
    const int64_t* a = &keys_[i * width];
    const int64_t* b = &keys_[best * width];
    const int cmp = std::lexicographical_compare(a, a + width, b, b + width)   ? -1
                    : std::lexicographical_compare(b, b + width, a, a + width) ? 1
                                                                               : 0;
    if (cmp < 0 || (cmp == 0 && feasible[i] < feasible[best])) best = i;
  }
  for (size_t i = 0; i < feasible.size(); ++i) {
    scores[i] = i == best ? 100 : std::min<int64_t>(99, scores[i]);
  }
}

std::vector<int32_t> FgdLexScore::ChooseDevices(const CycleState& state,
                                                const NodeView& node) const {
  return fgd_.ChooseDevices(state, node);
}

absl::StatusOr<std::unique_ptr<Plugin>> NewFgdLexScore(const PluginArgs& args,
                                                       const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({"target_workload", "quantized", "order", "score_slack"}));
  if (handle.cluster == nullptr) {
    return absl::InvalidArgumentError("plugins.fgd_lex: needs the scheduler's cluster state");
  }
  const std::string text = args.GetString("target_workload", "");
  if (text.empty()) {
    return absl::InvalidArgumentError(
        "plugins.fgd_lex.args.target_workload: required "
        "(cpu_milli:gpu_milli:gpu_count:weight;...)");
  }
  absl::StatusOr<FragWorkload> w = ParseFragWorkload(text);
  if (!w.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("plugins.fgd_lex.args.", w.status().message()));
  }
  MC_ASSIGN_OR_RETURN(bool quantized, args.GetBool("quantized", true));
  absl::StatusOr<std::vector<FgdLexKey>> order =
      ParseFgdLexOrder(args.GetString("order", "score,delta"));
  if (!order.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("plugins.fgd_lex.args.", order.status().message()));
  }
  MC_ASSIGN_OR_RETURN(int64_t slack, args.GetInt("score_slack", 0, 0, 100));
  return std::unique_ptr<Plugin>(
      new FgdLexScore(*std::move(w), quantized, *std::move(order), slack, handle.cluster));
}

}  // namespace manychip::plugins
