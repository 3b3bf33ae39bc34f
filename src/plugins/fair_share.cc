#include "src/plugins/fair_share.h"

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "src/core/tenant_ledger.h"

namespace manychip::plugins {

namespace {

// Walks the queue one priority run at a time; within a run, one list per
// tenant (reversed: back() is the tenant's head).
class FairShareCursor final : public QueueCursor {
 public:
  FairShareCursor(absl::Span<const QueuedJobInfo> queue, const internal::TenantLedger& tenants)
      : queue_(queue), tenants_(tenants) {}

  int32_t Next() override {
    while (by_tenant_.empty()) {
      if (next_run_ >= queue_.size()) return -1;
      size_t end = next_run_;
      const int32_t priority = queue_[next_run_].job->priority;
      while (end < queue_.size() && queue_[end].job->priority == priority) ++end;
      for (size_t k = end; k-- > next_run_;) {
        by_tenant_[queue_[k].job->tenant].push_back(static_cast<int32_t>(k));
      }
      next_run_ = end;
    }
    auto pick = by_tenant_.end();
    std::tuple<int, int64_t> best_key{2, 0};
    for (auto it = by_tenant_.begin(); it != by_tenant_.end(); ++it) {
      std::tuple<int, int64_t> key{tenants_.BelowGuarantee(it->first) ? 0 : 1,
                                   tenants_.DominantSharePpm(it->first)};
      if (pick == by_tenant_.end() || key < best_key) {
        pick = it;
        best_key = key;
      }
    }
    const int32_t index = pick->second.back();
    pick->second.pop_back();
    if (pick->second.empty()) by_tenant_.erase(pick);
    return index;
  }

 private:
  absl::Span<const QueuedJobInfo> queue_;
  const internal::TenantLedger& tenants_;
  size_t next_run_ = 0;
  std::map<std::string, std::vector<int32_t>> by_tenant_;  // ordered: ties by name
};

}  // namespace

std::unique_ptr<QueueCursor> FairShareOrder::Order(absl::Span<const QueuedJobInfo> queue) const {
  return std::make_unique<FairShareCursor>(queue, *tenants_);
}

absl::StatusOr<std::unique_ptr<Plugin>> NewFairShareOrder(const PluginArgs& args,
                                                          const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new FairShareOrder());
}

}  // namespace manychip::plugins
