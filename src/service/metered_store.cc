#include "src/service/metered_store.h"

#include "absl/time/clock.h"

namespace manychip::internal {

absl::Status MeteredStateStore::Write(const StoreWrite& write) {
  const absl::Time start = absl::Now();
  absl::Status s = store_->Write(write);
  metrics_->ObserveStoreWrite(absl::Now() - start, s.ok());
  if (s.ok()) {
    for (const EventRecord& e : write.events) metrics_->CountEvent(e.kind);
  }
  return s;
}

}  // namespace manychip::internal
