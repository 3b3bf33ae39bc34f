#include "src/service/event_hub.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/service/event_view.h"

namespace manychip::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Records "seq:subject" of what it was sent, history and live apart;
// `open` false plays a stream that is gone.
class RecordingLink final : public EventLink {
 public:
  bool Send(const v1::Event& ev) override { return Record(ev, live); }
  bool SendHistory(const v1::Event& ev) override { return Record(ev, history); }
  void Close(const absl::Status& s) override { closed = s; }
  bool Record(const v1::Event& ev, std::vector<std::string>& to) {
    if (!open) return false;
    to.push_back(absl::StrCat(ev.seq(), ":", ev.subject()));
    return true;
  }
  bool open = true;
  absl::Status closed;
  std::vector<std::string> history, live;
};

EventRecord Record(int64_t seq, const std::string& job, const std::string& tenant) {
  EventRecord r{.seq = seq, .unix_ms = seq, .kind = "job.phase", .subject = job, .detail = ""};
  r.refs.mutable_job()->set_job_id(job);
  r.refs.mutable_job()->set_tenant(tenant);
  return r;
}

// Event `seq` of a log alternating tenants a and b (jobs ja, jb).
EventRecord Nth(int64_t seq) {
  return seq % 2 == 1 ? Record(seq, "ja", "a") : Record(seq, "jb", "b");
}

// A store holding events 1..n of that log.
std::unique_ptr<StateStore> StoreWith(int n) {
  auto store = NewInMemoryStateStore();
  StoreWrite w;
  for (int i = 1; i <= n; ++i) w.events.push_back(Nth(i));
  EXPECT_TRUE(store->Write(w).ok());
  return store;
}

const Caller kAdmin{.admin = true, .tenant = ""};
const Caller kTeamA{.admin = false, .tenant = "a"};

TEST(EventHubTest, LiveEventsInOrderOnlyWhatTheCallerMaySeeAndAskedFor) {
  auto store = NewInMemoryStateStore();
  EventHub hub;
  auto admin = std::make_shared<RecordingLink>();
  auto tenant = std::make_shared<RecordingLink>();
  auto one_job = std::make_shared<RecordingLink>();
  ASSERT_TRUE(hub.Add(kAdmin, "", -1, admin, *store).ok());
  ASSERT_TRUE(hub.Add(kTeamA, "", -1, tenant, *store).ok());
  ASSERT_TRUE(hub.Add(kAdmin, "jb", -1, one_job, *store).ok());
  for (int64_t seq = 1; seq <= 4; ++seq) {
    hub.Append(EventToProto(Nth(seq)));
  }
  EXPECT_THAT(admin->live, ElementsAre("1:ja", "2:jb", "3:ja", "4:jb"));
  EXPECT_THAT(tenant->live, ElementsAre("1:ja", "3:ja"));
  EXPECT_THAT(one_job->live, ElementsAre("2:jb", "4:jb"));
  EXPECT_THAT(admin->history, IsEmpty());
}

TEST(EventHubTest, SinceReadsTheGapFromTheStoreThenTheRingWithoutRepeats) {
  // The daemon restarted after 10 events: the ring is empty, the store
  // holds them; two more arrive before the watcher starts from seq 5.
  auto store = StoreWith(12);
  EventHub hub;
  hub.set_last_seq(10);
  hub.Append(EventToProto(Nth(11)));
  hub.Append(EventToProto(Nth(12)));
  auto admin = std::make_shared<RecordingLink>();
  auto tenant = std::make_shared<RecordingLink>();
  ASSERT_TRUE(hub.Add(kAdmin, "", 5, admin, *store).ok());
  ASSERT_TRUE(hub.Add(kTeamA, "", 5, tenant, *store).ok());
  EXPECT_THAT(admin->history,
              ElementsAre("6:jb", "7:ja", "8:jb", "9:ja", "10:jb", "11:ja", "12:jb"));
  EXPECT_THAT(tenant->history, ElementsAre("7:ja", "9:ja", "11:ja"));
  hub.Append(EventToProto(Record(13, "ja", "a")));
  EXPECT_THAT(admin->live, ElementsAre("13:ja"));
  EXPECT_THAT(tenant->live, ElementsAre("13:ja"));
}

TEST(EventHubTest, TheRingIsBoundedAndAnOlderStartIsOutOfRange) {
  auto store = StoreWith(20);
  EventHub hub(/*capacity=*/4);
  hub.set_last_seq(10);
  for (int64_t seq = 11; seq <= 20; ++seq) hub.Append(EventToProto(Nth(seq)));
  EXPECT_EQ(hub.ring().size(), 4u);
  EXPECT_EQ(hub.ring().front().seq(), 17);

  auto too_old = std::make_shared<RecordingLink>();
  absl::Status s = hub.Add(kAdmin, "", 2, too_old, *store);
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange) << s;
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("ListEvents")) << s;
  EXPECT_THAT(too_old->history, IsEmpty());
  EXPECT_EQ(hub.size(), 0u);

  // A gap up to the ring's size is read from the store (here 13..16).
  auto recent = std::make_shared<RecordingLink>();
  ASSERT_TRUE(hub.Add(kAdmin, "", 12, recent, *store).ok());
  EXPECT_EQ(recent->history.size(), 8u);
  EXPECT_EQ(recent->history.front(), "13:ja");
  EXPECT_EQ(recent->history.back(), "20:jb");
}

TEST(EventHubTest, NegativeSinceGetsOnlyNewEventsAndAGoneStreamIsDropped) {
  auto store = NewInMemoryStateStore();
  EventHub hub;
  hub.Append(EventToProto(Record(1, "ja", "a")));
  auto fresh = std::make_shared<RecordingLink>();
  ASSERT_TRUE(hub.Add(kAdmin, "", -1, fresh, *store).ok());
  EXPECT_THAT(fresh->history, IsEmpty());
  fresh->open = false;
  hub.Append(EventToProto(Record(2, "ja", "a")));
  EXPECT_EQ(hub.size(), 0u);
  EXPECT_EQ(hub.CountFor(kAdmin), 0u);
}

}  // namespace
}  // namespace manychip::internal
