#include "src/service/backoff.h"

#include "gtest/gtest.h"

namespace manychip::internal {
namespace {

TEST(BackoffTest, GrowsExponentiallyWithinJitterBoundsAndCaps) {
  Backoff b(absl::Milliseconds(100), absl::Seconds(2), /*seed=*/7);
  absl::Duration expected_max = absl::Milliseconds(100);
  for (int i = 0; i < 10; ++i) {
    const absl::Duration d = b.Next();
    EXPECT_GE(d, expected_max / 2) << "attempt " << i;
    EXPECT_LE(d, expected_max) << "attempt " << i;
    expected_max = std::min(expected_max * 2, absl::Seconds(2));
  }
}

TEST(BackoffTest, ResetStartsOver) {
  Backoff b(absl::Milliseconds(100), absl::Seconds(2), 1);
  for (int i = 0; i < 5; ++i) (void)b.Next();
  b.Reset();
  EXPECT_LE(b.Next(), absl::Milliseconds(100));
}

TEST(BackoffTest, SameSeedSameDelaysDifferentSeedsSpread) {
  Backoff a(absl::Milliseconds(100), absl::Seconds(10), 42);
  Backoff b(absl::Milliseconds(100), absl::Seconds(10), 42);
  Backoff c(absl::Milliseconds(100), absl::Seconds(10), 43);
  bool differs = false;
  for (int i = 0; i < 8; ++i) {
    const absl::Duration da = a.Next();
    EXPECT_EQ(da, b.Next());
    differs |= da != c.Next();
  }
  EXPECT_TRUE(differs) << "jitter must differ across agents";
}

}  // namespace
}  // namespace manychip::internal
