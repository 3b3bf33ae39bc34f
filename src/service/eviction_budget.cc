#include "src/service/eviction_budget.h"

#include <algorithm>

#include "manychip/status.h"

namespace manychip::internal {

EvictionBudget::EvictionBudget(int32_t per_minute, absl::Time now)
    : per_minute_(per_minute), credit_(int64_t{per_minute} * kCreditPerToken), last_refill_(now) {}

void EvictionBudget::Refill(absl::Time now) {
  const int64_t elapsed_ms = absl::ToInt64Milliseconds(now - last_refill_);
  if (elapsed_ms <= 0) return;
  const int64_t cap = int64_t{per_minute_} * kCreditPerToken;
  // Saturate before multiplying: a long idle gap must not overflow.
  const int64_t gained = elapsed_ms >= kCreditPerToken ? cap : elapsed_ms * int64_t{per_minute_};
  credit_ = std::min(cap, credit_ + gained);
  // Only the whole milliseconds counted move the mark.
  last_refill_ += absl::Milliseconds(elapsed_ms);
}

bool EvictionBudget::TryTake() {
  if (!Available()) return false;
  credit_ -= kCreditPerToken;
  return true;
}

void EvictionBudget::Take() {
  MC_DCHECK(Available());
  credit_ -= kCreditPerToken;
}

}  // namespace manychip::internal
