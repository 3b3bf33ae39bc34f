#include "src/framework/gang_tracker.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace manychip::internal {
namespace {

TEST(GangTrackerTest, CompleteFinishAndAbort) {
  GangTracker g;
  absl::Time t0 = absl::FromUnixSeconds(100);
  g.Begin("j/0", 3, t0 + absl::Seconds(10));
  EXPECT_TRUE(g.Reserve("j/0", 11));
  EXPECT_TRUE(g.Reserve("j/0", 12));
  EXPECT_FALSE(g.Complete("j/0"));
  EXPECT_FALSE(g.Reserve("other", 1));
  EXPECT_TRUE(g.Reserve("j/0", 13));
  EXPECT_TRUE(g.Complete("j/0"));
  EXPECT_EQ(g.Finish("j/0"), (std::vector<AllocationId>{11, 12, 13}));
  EXPECT_EQ(g.size(), 0u);
  g.Begin("k/0", 2, t0);
  g.Reserve("k/0", 5);
  EXPECT_EQ(g.Abort("k/0"), std::vector<AllocationId>{5});
  EXPECT_FALSE(g.Contains("k/0"));
}

TEST(GangTrackerTest, TimeoutUnreservesIncompleteGangsOnly) {
  GangTracker g;
  absl::Time t0 = absl::FromUnixSeconds(100);
  g.Begin("a", 2, t0 + absl::Seconds(5));
  g.Reserve("a", 1);
  g.Begin("b", 1, t0 + absl::Seconds(5));
  g.Reserve("b", 2);  // complete: not expired
  g.Begin("c", 2, t0 + absl::Seconds(50));
  g.Reserve("c", 3);
  std::vector<AllocationId> unreserve;
  EXPECT_TRUE(g.Expire(t0 + absl::Seconds(4), unreserve).empty());
  EXPECT_EQ(g.Expire(t0 + absl::Seconds(5), unreserve), std::vector<std::string>{"a"});
  EXPECT_EQ(unreserve, std::vector<AllocationId>{1});
  EXPECT_TRUE(g.Contains("b"));
  EXPECT_TRUE(g.Contains("c"));
}

}  // namespace
}  // namespace manychip::internal
