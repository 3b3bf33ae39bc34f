#include "src/core/framework_runtime.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/framework/device_choice.h"

namespace manychip::internal {

absl::Status FrameworkRuntime::Build(const ProfileSpec& profile, const PluginRegistry& registry,
                                     const FrameworkHandle& handle) {
  max_feasible_nodes_ = profile.max_feasible_nodes;
  std::set<std::string> seen;
  for (const PluginArgs& args : profile.plugins) {
    if (!seen.insert(args.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("plugins.", args.name, ": listed twice in profile '", profile.name, "'"));
    }
    MC_ASSIGN_OR_RETURN(std::unique_ptr<Plugin> p, registry.Create(args, handle));
    Plugin* raw = p.get();
    plugins_.push_back(std::move(p));
    int64_t weight = args.weight;
    if (auto* q = dynamic_cast<QueueSortPlugin*>(raw); q != nullptr && queue_sort_ == nullptr) {
      queue_sort_ = q;
    }
    if (auto* q = dynamic_cast<QueueOrderPlugin*>(raw); q != nullptr && queue_order_ == nullptr) {
      queue_order_ = q;
    }
    if (auto* x = dynamic_cast<AdmitPlugin*>(raw)) admits_.push_back(x);
    if (auto* x = dynamic_cast<BackfillPlugin*>(raw);
        x != nullptr && backfill_ == nullptr && profile.backfill) {
      backfill_ = x;
    }
    int pre = -1;
    if (auto* x = dynamic_cast<PreFilterPlugin*>(raw)) {
      pre = static_cast<int>(prefilters_.size());
      prefilters_.push_back(x);
    }
    if (auto* x = dynamic_cast<FilterPlugin*>(raw)) {
      filters_.push_back(x);
      filter_names_.emplace_back(raw->name());
      prefilter_for_filter_.push_back(pre);
    }
    if (auto* x = dynamic_cast<PostFilterPlugin*>(raw)) postfilters_.push_back(x);
    int prescore = -1;
    if (auto* x = dynamic_cast<PreScorePlugin*>(raw)) {
      prescore = static_cast<int>(prescorers_.size());
      prescorers_.push_back({x, std::string(raw->name())});
    }
    if (auto* x = dynamic_cast<ScorePlugin*>(raw); x != nullptr && weight > 0) {
      scorers_.push_back({x, weight, prescore});
    }
    if (auto* x = dynamic_cast<PermitPlugin*>(raw)) permits_.push_back(x);
  }
  // Device-choice ranks (cycle_state.h): the heaviest score plugin decides,
  // the first listed among equals.
  std::vector<size_t> by_weight(scorers_.size());
  for (size_t i = 0; i < by_weight.size(); ++i) by_weight[i] = i;
  std::stable_sort(by_weight.begin(), by_weight.end(),
                   [&](size_t a, size_t b) { return scorers_[a].weight > scorers_[b].weight; });
  for (size_t r = 0; r < by_weight.size(); ++r) {
    scorers_[by_weight[r]].rank = static_cast<int32_t>(r);
  }
  score_skip_.assign(scorers_.size(), false);
  if (queue_sort_ == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "profile '", profile.name, "'.plugins: needs a QueueSort plugin (queue_sort)"));
  }
  if (profile.max_feasible_nodes < 0) {
    return absl::InvalidArgumentError("profile.max_feasible_nodes: must be >= 0");
  }
  return absl::OkStatus();
}

bool FrameworkRuntime::AdmitLimits(const JobSpec& job) const {
  for (const AdmitPlugin* p : admits_) {
    if (p->Limits(job)) return true;
  }
  return false;
}

Decision FrameworkRuntime::Admit(const JobSpec& job, const Usage& add,
                                 const Usage& own_held) const {
  for (const AdmitPlugin* p : admits_) {
    Decision d = p->Admit(job, add, own_held);
    if (!d.fit()) return d;
  }
  return Decision::Fit();
}

bool FrameworkRuntime::RunPreFilters(CycleState& cs, std::vector<bool>& skip, FlavorExplanation* ex,
                                     int32_t nodes) {
  std::vector<bool> pre_skip(prefilters_.size(), false);
  for (size_t p = 0; p < prefilters_.size(); ++p) {
    Decision d = prefilters_[p]->PreFilter(cs);
    if (d.verdict == Verdict::kSkip) {
      pre_skip[p] = true;
      continue;
    }
    if (!d.fit()) {
      if (ex != nullptr) {
        ex->reasons.assign(1, {d.reason, nodes});
        ex->by_plugin[std::string(prefilters_[p]->name())] += nodes;
        ex->nodes_total = nodes;
        ex->detail = d.detail;
      }
      return false;
    }
  }
  skip.assign(filters_.size(), false);
  for (size_t f = 0; f < filters_.size(); ++f) {
    int pre = prefilter_for_filter_[f];
    skip[f] = pre >= 0 && pre_skip[pre];
  }
  return true;
}

// A lost or cordoned node never takes work, whatever the profile: the taints
// filter says so too, but safety cannot depend on a profile listing it.
RejectReason FrameworkRuntime::NodeStateRejects(NodeIndex n) const {
  const auto& rt = cluster_->runtime(n);
  if (!rt.ready) return RejectReason::kNodeNotReady;
  if (!rt.schedulable) return RejectReason::kNodeUnschedulable;
  return RejectReason::kNone;
}

int FrameworkRuntime::FilterNode(CycleState& cs, const std::vector<bool>& skip, const NodeView& v,
                                 Decision* decision) const {
  for (size_t f = 0; f < filters_.size(); ++f) {
    if (skip[f]) continue;
    Decision d = filters_[f]->Filter(cs, v);
    if (!d.fit()) {
      *decision = std::move(d);
      return static_cast<int>(f);
    }
  }
  return -1;
}

NodeIndex FrameworkRuntime::FindNode(CycleState& cs, FlavorExplanation* ex) {
  const int32_t live = cluster_->live_node_count();
  std::vector<bool>& skip = skip_;
  if (!RunPreFilters(cs, skip, ex, live)) return kNoNode;
  const DemandSpec& d = cs.demand();
  const size_t limit =
      max_feasible_nodes_ > 0 ? static_cast<size_t>(max_feasible_nodes_) : SIZE_MAX;
  std::vector<NodeIndex>& feasible = feasible_;
  feasible.clear();
  int64_t reason_counts[kRejectReasonCount] = {};
  std::vector<int32_t>& plugin_counts = plugin_counts_;
  plugin_counts.assign(filters_.size(), 0);
  int32_t visited = 0;
  Decision decision;
  auto visit = [&](NodeIndex n) {
    if (cs.restricted() && !cs.allowed().Test(n)) return true;
    if (!cluster_->runtime(n).alive) return true;
    ++visited;
    if (RejectReason r = NodeStateRejects(n); r != RejectReason::kNone) {
      ++reason_counts[static_cast<int>(r)];
      return true;
    }
    NodeView v = cluster_->view(n);
    int rejected = FilterNode(cs, skip, v, &decision);
    if (rejected >= 0) {
      ++reason_counts[static_cast<int>(decision.reason)];
      ++plugin_counts[rejected];
      return true;
    }
    feasible.push_back(n);
    return feasible.size() < limit;
  };
  // Candidates come from the free-capacity indexes: only nodes whose free
  // whole cards (or largest free share) can hold the task, tightest first.
  if (d.is_cpu_only()) {
    for (NodeIndex n = 0; n < cluster_->node_count(); ++n) {
      if (!visit(n)) break;
    }
  } else if (d.is_fractional()) {
    bool go = true;
    for (int32_t b = static_cast<int32_t>(d.devices.raw() / 100);
         go && b < ClusterState::kShareBuckets; ++b) {
      for (int32_t m : cs.flavor().device_models) {
        if (!(go = cluster_->NodesWithShareBucket(m, b).ForEachFrom(0, visit))) break;
      }
    }
  } else {
    bool go = true;
    int32_t max_k = 0;
    for (int32_t m : cs.flavor().device_models) {
      max_k = std::max(max_k, cluster_->MaxDevicesPerNode(m));
    }
    for (int32_t k = d.card_count(); go && k <= max_k; ++k) {
      for (int32_t m : cs.flavor().device_models) {
        if (!(go = cluster_->NodesWithFreeWhole(m, k).ForEachFrom(0, visit))) break;
      }
    }
  }
  if (ex != nullptr) {
    ex->nodes_total = live;
    ex->nodes_feasible = static_cast<int32_t>(feasible.size());
    int64_t not_visited = live - visited;
    if (!d.is_cpu_only() && not_visited > 0 && feasible.size() < limit) {
      // Nodes the index skipped lack the free cards or share.
      reason_counts[static_cast<int>(d.is_fractional() ? RejectReason::kInsufficientShare
                                                       : RejectReason::kInsufficientDevices)] +=
          not_visited;
      ex->by_plugin["capacity_index"] += static_cast<int32_t>(not_visited);
    }
    ex->reasons.clear();
    for (int r = 0; r < kRejectReasonCount; ++r) {
      if (reason_counts[r] > 0) {
        ex->reasons.emplace_back(static_cast<RejectReason>(r),
                                 static_cast<int32_t>(reason_counts[r]));
      }
    }
    std::stable_sort(ex->reasons.begin(), ex->reasons.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (size_t f = 0; f < filters_.size(); ++f) {
      if (plugin_counts[f] > 0) ex->by_plugin[filter_names_[f]] += plugin_counts[f];
    }
  }
  if (feasible.empty()) return kNoNode;
  if (!prescorers_.empty() && !RunPreScores(cs, feasible, ex)) return kNoNode;
  if (feasible.size() == 1 || scorers_.empty()) {
    return *std::min_element(feasible.begin(), feasible.end());
  }
  std::vector<int64_t>& total = total_;
  std::vector<int64_t>& scores = scores_;
  total.assign(feasible.size(), 0);
  scores.assign(feasible.size(), 0);
  for (size_t k = 0; k < scorers_.size(); ++k) {
    const ScoreEntry& s = scorers_[k];
    if (s.prescore >= 0 && score_skip_[k]) continue;
    cs.SetProposerRank(s.rank);
    for (size_t i = 0; i < feasible.size(); ++i) {
      scores[i] = std::clamp<int64_t>(s.plugin->Score(cs, cluster_->view(feasible[i])), 0, 100);
    }
    s.plugin->NormalizeScore(cs, feasible, absl::MakeSpan(scores));
    for (size_t i = 0; i < feasible.size(); ++i) {
      total[i] += s.weight * std::clamp<int64_t>(scores[i], 0, 100);
    }
  }
  cs.SetProposerRank(CycleState::kUnranked);
  size_t best = 0;
  for (size_t i = 1; i < feasible.size(); ++i) {
    if (total[i] > total[best] || (total[i] == total[best] && feasible[i] < feasible[best])) {
      best = i;
    }
  }
  return feasible[best];
}

bool FrameworkRuntime::RunPreScores(CycleState& cs, const std::vector<NodeIndex>& feasible,
                                    FlavorExplanation* ex) {
  std::vector<bool>& skip = prescore_skip_;
  skip.assign(prescorers_.size(), false);
  for (size_t p = 0; p < prescorers_.size(); ++p) {
    Decision d = prescorers_[p].plugin->PreScore(cs, feasible);
    if (d.verdict == Verdict::kSkip) {
      skip[p] = true;
      continue;
    }
    if (d.verdict == Verdict::kFit) continue;
    // kWait is not a PreScore outcome: treat it like any other refusal.
    if (ex != nullptr) {
      const int32_t n = static_cast<int32_t>(feasible.size());
      ex->nodes_feasible = 0;
      ex->reasons.assign(
          1, {d.reason == RejectReason::kNone ? RejectReason::kPluginError : d.reason, n});
      ex->by_plugin[prescorers_[p].name] += n;
      ex->outcome = RejectReason::kPluginError;
      ex->detail = absl::StrCat("prescore ", prescorers_[p].name, ": ",
                                d.detail.empty() ? "refused" : d.detail);
    }
    return false;
  }
  for (size_t k = 0; k < scorers_.size(); ++k) {
    score_skip_[k] = scorers_[k].prescore >= 0 && skip[scorers_[k].prescore];
  }
  return true;
}

absl::StatusOr<AllocationId> FrameworkRuntime::Reserve(CycleState& cs, NodeIndex node) {
  const DemandSpec& d = cs.demand();
  AllocationRequest r;
  r.task = TaskRef{cs.job().id, cs.group(), cs.task()};
  r.node = node;
  r.cpu = d.cpu;
  r.memory = d.memory;
  r.priority = cs.job().priority;
  r.preemptible = cs.job().preemptible;
  if (!d.is_cpu_only()) {
    // A score plugin may defer its device pick to the chosen node (openb
    // speed, issue #6); it competes with per-node proposals by rank.
    // The best-ranked pick wins (cycle_state.h); a deferred pick that comes
    // back empty falls back to the node's proposal.
    std::vector<int32_t> deferred;
    const DeviceProposal* p = cs.Proposal(node);
    if (cs.device_chooser() != nullptr && (p == nullptr || p->rank >= cs.device_chooser_rank())) {
      deferred = cs.device_chooser()->ChooseDevices(cs, cluster_->view(node));
    }
    if (!deferred.empty()) {
      r.devices = std::move(deferred);
    } else if (p != nullptr) {
      r.devices = p->devices;
    } else {
      ChooseResult c = ChooseGeneric(cluster_->view(node), d);
      if (!c.ok)
        return absl::InternalError(absl::StrCat("no devices for a feasible node: ", c.detail));
      r.devices = std::move(c.devices);
    }
    std::sort(r.devices.begin(), r.devices.end());
    const size_t want = d.is_fractional() ? 1 : static_cast<size_t>(d.card_count());
    if (r.devices.size() != want) {
      return absl::InternalError(absl::StrCat("device pick for node '", cluster_->spec(node).name,
                                              "' has ", r.devices.size(),
                                              " devices, the task needs ", want));
    }
    r.share = d.is_fractional() ? d.devices : MilliDevices::FromRaw(kMilliPerDevice);
    r.device_memory = d.is_fractional() ? d.device_memory : MiB::Zero();
  }
  return cluster_->Assume(std::move(r));
}

void FrameworkRuntime::CountReasons(const JobSpec& spec, int32_t g, int32_t f,
                                    FlavorExplanation& ex) {
  const int32_t live = cluster_->live_node_count();
  ex.nodes_total = live;
  ex.nodes_feasible = 0;
  ex.reasons.clear();
  ex.by_plugin.clear();
  CycleState cs(&spec, g, f, 0);
  cs.SetGang({}, spec.task_groups[g].flavors[f].replicas);
  std::vector<bool> skip;
  if (!RunPreFilters(cs, skip, &ex, live)) return;
  int64_t counts[kRejectReasonCount] = {};
  Decision decision;
  for (NodeIndex n = 0; n < cluster_->node_count(); ++n) {
    if (!cluster_->runtime(n).alive) continue;
    if (RejectReason r = NodeStateRejects(n); r != RejectReason::kNone) {
      ++counts[static_cast<int>(r)];
      continue;
    }
    int rejected = FilterNode(cs, skip, cluster_->view(n), &decision);
    if (rejected < 0) {
      ++ex.nodes_feasible;
      continue;
    }
    ++counts[static_cast<int>(decision.reason)];
    ++ex.by_plugin[filter_names_[rejected]];
  }
  for (int r = 0; r < kRejectReasonCount; ++r) {
    if (counts[r] > 0) {
      ex.reasons.emplace_back(static_cast<RejectReason>(r), static_cast<int32_t>(counts[r]));
    }
  }
  std::stable_sort(ex.reasons.begin(), ex.reasons.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
}

}  // namespace manychip::internal
