#pragma once

// LogThrottle decides when a failure that repeats every tick is logged: the
// first time, then at most once per interval with the count since the last
// line, and once on recovery. A disk fault logged "state store write
// failed, will retry" every ~200 ms.
//
// Thread-safety: not thread-safe; owned by one thread (the controller's).
//
//   if (int64_t n = throttle.Failed(clock.Now()); n > 0) spdlog::error("... {} time(s)", n);
//   if (int64_t n = throttle.Succeeded(); n > 0) spdlog::info("recovered after {}", n);

#include <cstdint>

#include "absl/time/time.h"

namespace manychip::internal {

class LogThrottle {
 public:
  explicit LogThrottle(absl::Duration interval) : interval_(interval) {}

  // Counts a failure at `now`. Returns the failures to report with this
  // line (those since the last line, this one included), or 0 to stay quiet.
  int64_t Failed(absl::Time now);
  // Ends a run of failures. Returns how many there were in all (0 if none),
  // for a recovery line.
  int64_t Succeeded();

 private:
  const absl::Duration interval_;
  absl::Time last_line_ = absl::InfinitePast();
  int64_t unreported_ = 0;
  int64_t run_ = 0;
};

}  // namespace manychip::internal
