#pragma once

// MeteredStateStore: a StateStore that times every Write into the daemon's
// metrics and counts the events a successful write made durable (launch
// resends, evictions, device health changes). The controller already turns
// each of those into a store event, so counting them here needs no hook in
// the controller, and counts only what really happened (a failed write is
// retried and counted once, when it lands).
//
// Ownership: owns the wrapped store; `metrics` must outlive it.
// Thread-safety: as the wrapped store.

#include <memory>
#include <vector>

#include "manychip/store/state_store.h"
#include "src/metrics/daemon_metrics.h"

namespace manychip::internal {

class MeteredStateStore final : public StateStore {
 public:
  MeteredStateStore(std::unique_ptr<StateStore> store, metrics::DaemonMetrics* metrics)
      : store_(std::move(store)), metrics_(metrics) {}

  absl::Status Write(const StoreWrite& write) override;
  absl::StatusOr<StoreSnapshot> Load() const override { return store_->Load(); }
  absl::StatusOr<std::vector<EventRecord>> Events(int64_t after_seq, int limit) const override {
    return store_->Events(after_seq, limit);
  }

 private:
  std::unique_ptr<StateStore> store_;
  metrics::DaemonMetrics* metrics_;
};

}  // namespace manychip::internal
