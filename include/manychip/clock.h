#pragma once

// Time for the scheduler core comes only from a Clock, so tests and the
// simulator drive it on a virtual clock and the daemon on the real one.
//
//   FakeClock clock(absl::FromUnixSeconds(0));
//   clock.Advance(absl::Seconds(5));
//
// Thread-safety: RealClock is thread-safe; FakeClock is owned by one thread.

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace manychip {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::UnixEpoch()) : now_(start) {}
  absl::Time Now() const override { return now_; }
  void Advance(absl::Duration d) { now_ += d; }
  void Set(absl::Time t) { now_ = t; }

 private:
  absl::Time now_;
};

}  // namespace manychip
