#include "src/service/log_throttle.h"

namespace manychip::internal {

int64_t LogThrottle::Failed(absl::Time now) {
  ++run_;
  ++unreported_;
  if (run_ > 1 && now - last_line_ < interval_) return 0;
  last_line_ = now;
  const int64_t n = unreported_;
  unreported_ = 0;
  return n;
}

int64_t LogThrottle::Succeeded() {
  const int64_t n = run_;
  run_ = 0;
  unreported_ = 0;
  last_line_ = absl::InfinitePast();
  return n;
}

}  // namespace manychip::internal
