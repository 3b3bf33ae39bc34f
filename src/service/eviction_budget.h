#pragma once

// EvictionBudget: how many running jobs the daemon may evict right now, a
// token bucket holding at most `per_minute` evictions and refilling at
// `per_minute` a minute. Busy unhealthy devices and drained nodes both
// spend it, so neither a flapping sensor nor a drain can empty the cluster
// at once.
//
// Invariants: 0 <= tokens <= per_minute; time only moves forward (an
// earlier `now` refills nothing); refills lose nothing to rounding, so many
// short refills (one per controller tick) add up to the same tokens as one
// long one.
//
// Thread-safety: none; the controller's owner thread.
//
//   EvictionBudget budget(10, clock.Now());
//   budget.Refill(clock.Now());
//   if (budget.TryTake()) Evict(job);

#include <cstdint>

#include "absl/time/time.h"

namespace manychip::internal {

class EvictionBudget {
 public:
  // Starts full. `per_minute` must be >= 1 (the daemon's flags check it).
  EvictionBudget(int32_t per_minute, absl::Time now);

  // Adds what accrued since the last refill, up to the cap.
  void Refill(absl::Time now);
  // True when a whole token is left.
  bool Available() const { return credit_ >= kCreditPerToken; }
  // Spends one token if there is one.
  bool TryTake();
  // Spends the token Available() said is there (for a caller that checks
  // first and spends only if the eviction went through).
  void Take();

  int32_t per_minute() const { return per_minute_; }
  // Whole tokens left.
  int64_t tokens() const { return credit_ / kCreditPerToken; }

 private:
  // Credit is kept in token-milliseconds per minute: a millisecond adds
  // `per_minute` credits and a token costs 60000, so the refill rate is
  // exact in integers.
  static constexpr int64_t kCreditPerToken = 60'000;

  const int32_t per_minute_;
  int64_t credit_;
  absl::Time last_refill_;
};

}  // namespace manychip::internal
