#include "src/service/launch_tracker.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace manychip::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using State = LaunchTracker::TaskState;

const absl::Time kStart = absl::FromUnixSeconds(1000);

class LaunchTrackerTest : public ::testing::Test {
 protected:
  LaunchTracker::Overdue Poll(absl::Duration since_start) {
    return tracker_.Poll(kStart + since_start, [&](const std::string& tid) {
      auto it = states_.find(tid);
      return it == states_.end() ? State::kSendable : it->second;
    });
  }
  static std::vector<std::string> Ids(const LaunchTracker::Overdue& o) {
    std::vector<std::string> out;
    for (const auto& r : o.resend) out.push_back(r.task_id);
    return out;
  }

  Quarantine quarantine_;
  LaunchTracker tracker_{
      {.ack_timeout = absl::Seconds(10), .max_sends = 3, .failure_hold = absl::Minutes(2)},
      &quarantine_};
  std::map<std::string, State> states_;
};

TEST_F(LaunchTrackerTest, ResendsOncePerTimeoutThenGivesUp) {
  tracker_.Sent("j/w/0", kStart);
  EXPECT_THAT(Ids(Poll(absl::Seconds(9))), IsEmpty());
  LaunchTracker::Overdue o = Poll(absl::Seconds(10));
  ASSERT_EQ(o.resend.size(), 1u);
  EXPECT_EQ(o.resend[0].send, 2);
  // Counted from the resend, not the first send.
  EXPECT_THAT(Ids(Poll(absl::Seconds(19))), IsEmpty());
  o = Poll(absl::Seconds(20));
  ASSERT_EQ(o.resend.size(), 1u);
  EXPECT_EQ(o.resend[0].send, 3);
  o = Poll(absl::Seconds(30));
  EXPECT_THAT(o.resend, IsEmpty());
  EXPECT_THAT(o.give_up, ElementsAre("j/w/0"));
  // Still tracked (and reported) until the caller stops it.
  EXPECT_TRUE(tracker_.tracking("j/w/0"));
  EXPECT_THAT(Poll(absl::Seconds(31)).give_up, ElementsAre("j/w/0"));
  EXPECT_TRUE(tracker_.Forget("j/w/0"));
  EXPECT_TRUE(tracker_.empty());
}

TEST_F(LaunchTrackerTest, GoneTasksAreDroppedAndUnsendableOnesWait) {
  tracker_.Sent("a/w/0", kStart);
  tracker_.Sent("b/w/0", kStart);
  states_["a/w/0"] = State::kGone;
  states_["b/w/0"] = State::kUnsendable;
  LaunchTracker::Overdue o = Poll(absl::Minutes(5));
  EXPECT_THAT(o.resend, IsEmpty());
  EXPECT_THAT(o.give_up, IsEmpty());
  EXPECT_FALSE(tracker_.tracking("a/w/0"));
  EXPECT_TRUE(tracker_.tracking("b/w/0"));
  // Its session is back: it is overdue, and its count did not move meanwhile.
  states_["b/w/0"] = State::kSendable;
  o = Poll(absl::Minutes(6));
  ASSERT_EQ(o.resend.size(), 1u);
  EXPECT_EQ(o.resend[0].send, 2);
}

TEST_F(LaunchTrackerTest, SentAgainStartsTheCountAfresh) {
  tracker_.Sent("j/w/0", kStart);
  Poll(absl::Seconds(10));
  Poll(absl::Seconds(20));
  tracker_.Sent("j/w/0", kStart + absl::Seconds(25));  // a new session
  LaunchTracker::Overdue o = Poll(absl::Seconds(35));
  ASSERT_EQ(o.resend.size(), 1u);
  EXPECT_EQ(o.resend[0].send, 2);
}

TEST_F(LaunchTrackerTest, ForgetJobForgetsOnlyThatJobsTasks) {
  tracker_.Sent("j1/w/0", kStart);
  tracker_.Sent("j1/w/1", kStart);
  tracker_.Sent("j10/w/0", kStart);
  tracker_.ForgetJob("j1");
  EXPECT_FALSE(tracker_.tracking("j1/w/0"));
  EXPECT_FALSE(tracker_.tracking("j1/w/1"));
  EXPECT_TRUE(tracker_.tracking("j10/w/0"));
}

TEST_F(LaunchTrackerTest, HoldsEndAtTheirTimeOrWhenReleased) {
  auto reason = tracker_.Hold("n1", kStart);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(*reason, "did not acknowledge a launch after 3 sends");
  ASSERT_NE(quarantine_.FindHold("n1"), nullptr);
  EXPECT_EQ(quarantine_.FindHold("n1")->until, kStart + absl::Minutes(2));
  ASSERT_TRUE(tracker_.Hold("n2", kStart).has_value());
  EXPECT_THAT(tracker_.ExpireHolds(kStart + absl::Minutes(1)), IsEmpty());
  EXPECT_TRUE(tracker_.Release("n2"));
  EXPECT_FALSE(tracker_.Release("n2"));
  EXPECT_THAT(tracker_.ExpireHolds(kStart + absl::Minutes(2)), ElementsAre("n1"));
  EXPECT_EQ(quarantine_.FindHold("n1"), nullptr);
}

TEST(LaunchTrackerHoldsTest, OffWithoutAQuarantineOrAHoldTime) {
  LaunchTracker no_quarantine({}, nullptr);
  EXPECT_FALSE(no_quarantine.Hold("n1", kStart).has_value());
  EXPECT_FALSE(no_quarantine.Release("n1"));
  EXPECT_THAT(no_quarantine.ExpireHolds(kStart), IsEmpty());
  Quarantine q;
  LaunchTracker no_hold(
      {.ack_timeout = absl::Seconds(10), .max_sends = 3, .failure_hold = absl::ZeroDuration()}, &q);
  EXPECT_FALSE(no_hold.Hold("n1", kStart).has_value());
  EXPECT_EQ(q.FindHold("n1"), nullptr);
}

}  // namespace
}  // namespace manychip::internal
