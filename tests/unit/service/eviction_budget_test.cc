#include "src/service/eviction_budget.h"

#include "gtest/gtest.h"

namespace manychip::internal {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1000);

TEST(EvictionBudgetTest, StartsFullAndSpendsOneTokenAtATime) {
  EvictionBudget b(3, kStart);
  EXPECT_EQ(b.tokens(), 3);
  EXPECT_TRUE(b.TryTake());
  EXPECT_TRUE(b.TryTake());
  EXPECT_TRUE(b.TryTake());
  EXPECT_FALSE(b.Available());
  EXPECT_FALSE(b.TryTake());
  EXPECT_EQ(b.tokens(), 0);
}

TEST(EvictionBudgetTest, RefillsAtTheRateAndKeepsFractions) {
  EvictionBudget b(2, kStart);  // one token per 30 s
  ASSERT_TRUE(b.TryTake());
  ASSERT_TRUE(b.TryTake());
  // Many small refills add up like one big one.
  for (int i = 1; i <= 29; ++i) b.Refill(kStart + absl::Seconds(i));
  EXPECT_FALSE(b.Available());
  b.Refill(kStart + absl::Seconds(30));
  EXPECT_TRUE(b.TryTake());
  EXPECT_FALSE(b.Available());
}

TEST(EvictionBudgetTest, NeverHoldsMoreThanOneMinutesWorth) {
  EvictionBudget b(2, kStart);
  b.Refill(kStart + absl::Hours(5));
  EXPECT_EQ(b.tokens(), 2);
  ASSERT_TRUE(b.TryTake());
  b.Refill(kStart + absl::Hours(6));
  EXPECT_EQ(b.tokens(), 2);
}

TEST(EvictionBudgetTest, TimeGoingBackRefillsNothing) {
  EvictionBudget b(1, kStart);
  ASSERT_TRUE(b.TryTake());
  b.Refill(kStart - absl::Minutes(10));
  EXPECT_FALSE(b.Available());
  // The earlier time did not move the refill mark back either.
  b.Refill(kStart + absl::Seconds(59));
  EXPECT_FALSE(b.Available());
  b.Refill(kStart + absl::Seconds(60));
  EXPECT_TRUE(b.Available());
}

}  // namespace
}  // namespace manychip::internal
