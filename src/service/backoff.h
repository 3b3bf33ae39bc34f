#pragma once

// Backoff: exponential reconnect delays with jitter, so agents that lost
// the daemon together do not come back in lockstep. Delay n is drawn
// uniformly from [d/2, d] where d = min(max, initial * 2^n) ("equal jitter").
//
// Thread-safety: not thread-safe; one per reconnect loop.
//
//   Backoff b(absl::Milliseconds(200), absl::Seconds(10), seed);
//   while (!Connect()) Sleep(b.Next());
//   b.Reset();  // after a session that lasted

#include <cstdint>
#include <random>

#include "absl/time/time.h"

namespace manychip::internal {

class Backoff {
 public:
  Backoff(absl::Duration initial, absl::Duration max, uint64_t seed)
      : initial_(initial), max_(max), rng_(seed) {}

  absl::Duration Next() {
    absl::Duration d = initial_;
    for (int i = 0; i < attempt_ && d < max_; ++i) d *= 2;
    if (d > max_) d = max_;
    if (attempt_ < 62) ++attempt_;
    const int64_t hi = absl::ToInt64Microseconds(d);
    std::uniform_int_distribution<int64_t> dist(hi / 2, hi);
    return absl::Microseconds(dist(rng_));
  }
  void Reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

 private:
  const absl::Duration initial_;
  const absl::Duration max_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace manychip::internal
