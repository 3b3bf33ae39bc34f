#include "src/service/watch_hub.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace manychip::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Records the job ids and reasons it was sent; `open` false plays a
// stream that is gone.
class RecordingWatch final : public WatchLink {
 public:
  bool Send(const v1::JobEvent& ev) override {
    if (!open) return false;
    got.push_back(ev.status().job().id() + ":" + ev.reason());
    return true;
  }
  bool open = true;
  bool SendSnapshot(const v1::JobEvent& ev) override { return Send(ev); }
  void Close(const absl::Status&) override {}
  std::vector<std::string> got;
};

v1::JobEvent Event(const std::string& id, const std::string& tenant, const std::string& reason) {
  v1::JobEvent ev;
  ev.mutable_status()->mutable_job()->set_id(id);
  ev.mutable_status()->mutable_job()->set_tenant(tenant);
  ev.set_reason(reason);
  return ev;
}

const Caller kAdmin{.admin = true, .tenant = ""};
const Caller kTeamA{.admin = false, .tenant = "a"};

TEST(WatchHubTest, CurrentStateFirstThenChangesInOrder) {
  WatchHub hub;
  auto w = std::make_shared<RecordingWatch>();
  hub.Add(kAdmin, "", w, {Event("j1", "a", "current"), Event("j2", "b", "current")});
  hub.Publish(Event("j2", "b", "placed"));
  hub.Publish(Event("j1", "a", "started"));
  EXPECT_THAT(w->got, ElementsAre("j1:current", "j2:current", "j2:placed", "j1:started"));
}

TEST(WatchHubTest, TenantsSeeOnlyTheirJobsAndOneJobWatchersOnlyThatJob) {
  WatchHub hub;
  auto tenant = std::make_shared<RecordingWatch>();
  auto one = std::make_shared<RecordingWatch>();
  hub.Add(kTeamA, "", tenant, {Event("j1", "a", "current"), Event("j2", "b", "current")});
  hub.Add(kAdmin, "j2", one, {Event("j1", "a", "current"), Event("j2", "b", "current")});
  hub.Publish(Event("j2", "b", "placed"));
  hub.Publish(Event("j1", "a", "placed"));
  EXPECT_THAT(tenant->got, ElementsAre("j1:current", "j1:placed"));
  EXPECT_THAT(one->got, ElementsAre("j2:current", "j2:placed"));
}

TEST(WatchHubTest, GoneStreamsAreDropped) {
  WatchHub hub;
  auto gone = std::make_shared<RecordingWatch>();
  auto stays = std::make_shared<RecordingWatch>();
  hub.Add(kAdmin, "", gone, {});
  hub.Add(kAdmin, "", stays, {});
  ASSERT_EQ(hub.size(), 2u);
  gone->open = false;
  hub.Publish(Event("j1", "a", "placed"));
  EXPECT_EQ(hub.size(), 1u);
  gone->open = true;
  hub.Publish(Event("j1", "a", "started"));
  EXPECT_THAT(gone->got, IsEmpty());
  EXPECT_THAT(stays->got, ElementsAre("j1:placed", "j1:started"));
}

TEST(WatchHubTest, AStreamGoneDuringTheCurrentStateIsNotKept) {
  WatchHub hub;
  auto w = std::make_shared<RecordingWatch>();
  w->open = false;
  hub.Add(kAdmin, "", w, {Event("j1", "a", "current")});
  EXPECT_TRUE(hub.empty());
}

}  // namespace
}  // namespace manychip::internal
