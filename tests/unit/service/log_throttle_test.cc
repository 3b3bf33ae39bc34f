#include "src/service/log_throttle.h"

#include "gtest/gtest.h"

namespace manychip::internal {
namespace {

TEST(LogThrottleTest, AFailureEveryTickIsLoggedOncePerInterval) {
  LogThrottle t(absl::Seconds(10));
  const absl::Time start = absl::UnixEpoch();
  int lines = 0;
  int64_t reported = 0;
  // A minute of failures every 200 ms: 300 failures, 6 lines.
  for (int i = 0; i < 300; ++i) {
    if (int64_t n = t.Failed(start + i * absl::Milliseconds(200)); n > 0) {
      ++lines;
      reported += n;
    }
  }
  EXPECT_EQ(lines, 6);
  EXPECT_EQ(reported, 251) << "each line counts the failures since the one before";
  EXPECT_EQ(t.Succeeded(), 300);
  EXPECT_EQ(t.Succeeded(), 0);
  // A new run is logged at once.
  EXPECT_EQ(t.Failed(start + absl::Seconds(61)), 1);
}

}  // namespace
}  // namespace manychip::internal
