#include "manychip/service/leader_targets.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace manychip {
namespace {

TEST(LeaderTargetsTest, FollowsAHintElseTheNextAddress) {
  auto t = LeaderTargets::Parse("a:1, b:2,c:3");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->current(), "a:1");
  EXPECT_EQ(t->max_tries(), 7);
  t->Failed("c:3");  // a standby named the leader
  EXPECT_EQ(t->current(), "c:3");
  t->Failed("");  // the leader is gone: the list, in order
  EXPECT_EQ(t->current(), "b:2");
  t->Failed("");
  EXPECT_EQ(t->current(), "c:3");
  t->Failed("");
  EXPECT_EQ(t->current(), "a:1");
  t->Failed("a:1");  // a hint naming the one that failed is no hint
  EXPECT_EQ(t->current(), "b:2");
  t->Failed("10.0.0.9:7070");  // the advertised address need not be listed
  EXPECT_EQ(t->current(), "10.0.0.9:7070");
}

TEST(LeaderTargetsTest, OneAddressStaysThere) {
  auto t = LeaderTargets::Parse("127.0.0.1:7070");
  ASSERT_TRUE(t.ok()) << t.status();
  t->Failed("");
  EXPECT_EQ(t->current(), "127.0.0.1:7070");
  EXPECT_EQ(t->max_tries(), 3);
}

TEST(LeaderTargetsTest, BadListNamesTheEntry) {
  for (const char* bad : {"", "a:1,,b:2", "a:1,b", "a:"}) {
    auto t = LeaderTargets::Parse(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StrContains(t.status().message(), "--server")) << t.status();
  }
}

}  // namespace
}  // namespace manychip
