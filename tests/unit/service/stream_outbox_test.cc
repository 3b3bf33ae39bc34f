#include "src/service/stream_outbox.h"

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "manychip/v1/scheduler.pb.h"

namespace manychip::internal {
namespace {

using Outbox = StreamOutbox<v1::JobEvent>;

// Events of one size (ids of one length).
v1::JobEvent Event(int i) {
  v1::JobEvent ev;
  ev.mutable_status()->mutable_job()->set_id(absl::StrFormat("job-%04d", i));
  ev.set_reason("current");
  return ev;
}
const size_t kEventBytes = Event(0).ByteSizeLong();

OutboxLimits Events(size_t n) { return OutboxLimits{.max_queued_bytes = n * kEventBytes}; }

// A model of a gRPC server-streaming call that records every way the
// outbox could misuse it. gRPC allows one write in flight, nothing after
// Finish, and exactly one Finish; it runs OnDone once Finish was called and
// no write is in flight, and the reactor is deleted then.
//
// `before_next_call`, when set, runs at the start of the next Write or End,
// as another thread's reaction would if it ran between the outbox's decision
// and the call reaching gRPC.
class FakeStream final : public StreamWriter<v1::JobEvent> {
 public:
  explicit FakeStream(OutboxLimits limits = {}) : outbox_(this, limits) {}

  Outbox& outbox() { return outbox_; }

  void Write(const v1::JobEvent& msg) override {
    RunHook();
    if (done_) Violation("Write after OnDone (the reactor is deleted)");
    if (finishes_ > 0) Violation("Write after Finish");
    if (in_flight_ > 0) Violation("a second Write while one is in flight");
    ++in_flight_;
    written_.push_back(msg.status().job().id());
  }

  void End(const absl::Status& status) override {
    RunHook();
    if (done_) Violation("Finish after OnDone (the reactor is deleted)");
    if (finishes_ > 0) Violation("a second Finish");
    if (in_flight_ > 0) Violation("Finish while a write is in flight");
    ++finishes_;
    status_ = status;
    MaybeDone();
  }

  // gRPC completing the write in flight.
  void CompleteWrite(bool ok) {
    ASSERT_GT(in_flight_, 0);
    --in_flight_;
    outbox_.OnWriteDone(ok);
    MaybeDone();
  }

  std::function<void()> before_next_call;

  int in_flight() const { return in_flight_; }
  int finishes() const { return finishes_; }
  bool done() const { return done_; }
  const absl::Status& status() const { return status_; }
  const std::vector<std::string>& written() const { return written_; }
  std::string violations() const { return absl::StrJoin(violations_, "; "); }

 private:
  void RunHook() {
    if (auto hook = std::move(before_next_call)) {
      before_next_call = nullptr;
      hook();
    }
  }
  void Violation(const std::string& what) { violations_.push_back(what); }
  void MaybeDone() {
    if (finishes_ > 0 && in_flight_ == 0 && !done_) {
      done_ = true;
      outbox_.OnDone();
    }
  }

  Outbox outbox_;
  int in_flight_ = 0;
  int finishes_ = 0;
  bool done_ = false;
  absl::Status status_;
  std::vector<std::string> written_;
  std::vector<std::string> violations_;
};

// The crash in issue #14: the controller decided to write, then the client
// went away and the stream finished and was deleted before the write call.
TEST(StreamOutboxTest, CancelBetweenDecidingToWriteAndWriting) {
  FakeStream s;
  s.before_next_call = [&] { s.outbox().Close(absl::CancelledError("gone")); };
  s.outbox().Push(Event(1));
  EXPECT_EQ(s.violations(), "");
  // The write that was started completes (failed), then the stream finishes.
  if (s.in_flight() > 0) s.CompleteWrite(false);
  EXPECT_EQ(s.violations(), "");
  EXPECT_EQ(s.finishes(), 1);
  EXPECT_TRUE(s.done());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kCancelled);
  EXPECT_FALSE(s.outbox().Push(Event(2)));
  EXPECT_EQ(s.violations(), "");
}

TEST(StreamOutboxTest, CancelWhileAWriteIsInFlightFinishesAfterIt) {
  FakeStream s;
  ASSERT_TRUE(s.outbox().Push(Event(1)));
  ASSERT_TRUE(s.outbox().Push(Event(2)));
  ASSERT_EQ(s.in_flight(), 1);
  s.outbox().Close(absl::CancelledError("gone"));
  EXPECT_EQ(s.violations(), "");
  EXPECT_EQ(s.finishes(), 0) << "Finish must wait for the write in flight";
  s.CompleteWrite(false);
  EXPECT_EQ(s.violations(), "");
  EXPECT_EQ(s.finishes(), 1);
  EXPECT_TRUE(s.done());
  EXPECT_EQ(s.written(), std::vector<std::string>{"job-0001"});
}

TEST(StreamOutboxTest, SlowClientIsCutAfterTheWriteInFlight) {
  FakeStream s(Events(3));
  int accepted = 0;
  for (int i = 0; i < 5; ++i) accepted += s.outbox().Push(Event(i));
  EXPECT_EQ(accepted, 3);
  EXPECT_EQ(s.violations(), "");
  EXPECT_EQ(s.finishes(), 0);
  s.CompleteWrite(true);
  EXPECT_EQ(s.violations(), "");
  EXPECT_EQ(s.finishes(), 1);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(s.status().message(), "too slow")) << s.status();
  EXPECT_TRUE(s.done());
  EXPECT_EQ(s.written(), std::vector<std::string>{"job-0000"});
}

TEST(StreamOutboxTest, BoundIsOnUnsentBytesNotOnMessagesEverSent) {
  FakeStream s(Events(2));
  // A reader that keeps up is never cut, however much goes through.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(s.outbox().Push(Event(i)));
    ASSERT_TRUE(s.outbox().Push(Event(i)));
    s.CompleteWrite(true);
    s.CompleteWrite(true);
  }
  EXPECT_EQ(s.finishes(), 0);
  // One message larger than the bound still goes out when nothing is queued.
  v1::JobEvent big = Event(0);
  big.set_reason(std::string(10 * kEventBytes, 'x'));
  EXPECT_TRUE(s.outbox().Push(big));
  EXPECT_FALSE(s.outbox().Push(Event(1)));
  s.CompleteWrite(true);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.violations(), "");
}

TEST(StreamOutboxTest, SnapshotDoesNotCountAgainstTheBound) {
  FakeStream s(Events(2));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(s.outbox().PushUncounted(Event(i)));
  // Changes on top of the snapshot are counted alone.
  EXPECT_TRUE(s.outbox().Push(Event(10)));
  EXPECT_TRUE(s.outbox().Push(Event(11)));
  EXPECT_FALSE(s.outbox().Push(Event(12)));
  s.CompleteWrite(true);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.violations(), "");
}

TEST(StreamOutboxTest, WritesInOrderOneAtATime) {
  FakeStream s;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(s.outbox().Push(Event(i)));
  while (s.in_flight() > 0) s.CompleteWrite(true);
  EXPECT_EQ(s.written(),
            (std::vector<std::string>{"job-0000", "job-0001", "job-0002", "job-0003"}));
  // Idle again: the next push starts a write at once.
  ASSERT_TRUE(s.outbox().Push(Event(4)));
  EXPECT_EQ(s.in_flight(), 1);
  s.CompleteWrite(true);
  s.outbox().Close(absl::OkStatus());
  EXPECT_EQ(s.finishes(), 1);
  EXPECT_TRUE(s.done());
  EXPECT_EQ(s.violations(), "");
}

TEST(StreamOutboxTest, CloseTwiceFinishesOnce) {
  FakeStream s;
  s.before_next_call = [&] { s.outbox().Close(absl::CancelledError("second")); };
  s.outbox().Close(absl::ResourceExhaustedError("first"));
  EXPECT_EQ(s.violations(), "");
  EXPECT_EQ(s.finishes(), 1);
}

// Random interleavings, seeded: pushes, closes and write completions, with
// another thread's action injected just before calls reach the stream.
TEST(StreamOutboxTest, RandomInterleavingsKeepTheStreamProtocol) {
  int failures = 0;
  std::string first_failure;
  for (uint64_t seed = 1; seed <= 2000; ++seed) {
    std::mt19937_64 rng(seed);
    auto roll = [&](int n) { return static_cast<int>(rng() % n); };
    FakeStream s(Events(4));
    int next_event = 0;
    auto racer = [&] {
      switch (roll(3)) {
        case 0:
          s.outbox().Close(absl::CancelledError("client gone"));
          break;
        case 1:
          s.outbox().Push(Event(next_event++));
          break;
        default:
          break;
      }
    };
    for (int step = 0; step < 40 && !s.done(); ++step) {
      if (roll(2) == 0) s.before_next_call = racer;
      switch (roll(5)) {
        case 0:
        case 1:
          s.outbox().Push(Event(next_event++));
          break;
        case 2:
          if (roll(8) == 0) s.outbox().Close(absl::CancelledError("client gone"));
          break;
        default:
          if (s.in_flight() > 0) s.CompleteWrite(roll(6) != 0);
          break;
      }
    }
    // The client goes; gRPC completes what is in flight.
    s.before_next_call = nullptr;
    s.outbox().Close(absl::CancelledError("client gone"));
    for (int i = 0; i < 100 && s.in_flight() > 0; ++i) s.CompleteWrite(false);
    std::string bad = s.violations();
    if (s.finishes() != 1) absl::StrAppend(&bad, "; Finish called ", s.finishes(), " times");
    if (!s.done()) absl::StrAppend(&bad, "; never done");
    if (!bad.empty()) {
      if (failures++ == 0) first_failure = absl::StrCat("seed ", seed, ": ", bad);
    }
  }
  EXPECT_EQ(failures, 0) << first_failure;
}

}  // namespace
}  // namespace manychip::internal
