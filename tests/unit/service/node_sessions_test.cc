#include "src/service/node_sessions.h"

#include <memory>
#include <optional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_session_link.h"

namespace manychip::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using RecordingLink = testing::FakeSessionLink;

const absl::Time kStart = absl::FromUnixSeconds(1000);

v1::Node Inventory(const std::string& name) {
  v1::Node n;
  n.set_name(name);
  return n;
}

class NodeSessionsTest : public ::testing::Test {
 protected:
  // Registers and attaches `name` at `now`; returns its session id.
  int64_t Connect(const std::string& name, absl::Time now,
                  std::shared_ptr<RecordingLink> link = std::make_shared<RecordingLink>()) {
    NodeSessions::Node* n = nodes_.Find(name);
    if (n == nullptr) n = &nodes_.Add(name, Inventory(name), now);
    const int64_t sid = nodes_.StartSession(*n, now, {}, {});
    EXPECT_TRUE(nodes_.Attach(name, sid, std::move(link), now).ok());
    return sid;
  }

  NodeSessions nodes_{absl::Seconds(40)};
};

TEST_F(NodeSessionsTest, SessionIdsGrowAndOnlyTheCurrentOneIsHeard) {
  const int64_t first = Connect("n1", kStart);
  ASSERT_TRUE(nodes_.Detach("n1", first));
  const int64_t second = Connect("n1", kStart);
  EXPECT_GT(second, first);
  EXPECT_EQ(nodes_.Heard("n1", first, kStart + absl::Seconds(1)), nullptr);
  EXPECT_FALSE(nodes_.Detach("n1", first));  // a stale stream ending changes nothing
  EXPECT_TRUE(nodes_.Find("n1")->link);
  NodeSessions::Node* n = nodes_.Heard("n1", second, kStart + absl::Seconds(2));
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->last_heartbeat, kStart + absl::Seconds(2));
  EXPECT_EQ(nodes_.Heard("n9", second, kStart), nullptr);
}

TEST_F(NodeSessionsTest, ASecondLiveSessionIsRefused) {
  const int64_t sid = Connect("n1", kStart);
  EXPECT_EQ(nodes_.CheckNoLiveSession("n1").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(nodes_.Attach("n1", sid, std::make_shared<RecordingLink>(), kStart).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(nodes_.CheckNoLiveSession("n2").ok());
  ASSERT_TRUE(nodes_.Detach("n1", sid));
  EXPECT_TRUE(nodes_.CheckNoLiveSession("n1").ok());
}

TEST_F(NodeSessionsTest, AttachNeedsARegisteredNodeAndItsCurrentSession) {
  EXPECT_EQ(nodes_.Attach("n1", 1, std::make_shared<RecordingLink>(), kStart).status().code(),
            absl::StatusCode::kFailedPrecondition);
  NodeSessions::Node& n = nodes_.Add("n1", Inventory("n1"), kStart);
  const int64_t sid = nodes_.StartSession(n, kStart, {}, {});
  auto stale = nodes_.Attach("n1", sid + 1, std::make_shared<RecordingLink>(), kStart);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(stale.status().message(), ::testing::HasSubstr("stale"));
}

TEST_F(NodeSessionsTest, SilentNodesExpireOnceAfterTheGrace) {
  Connect("n1", kStart);
  const int64_t n2 = Connect("n2", kStart);
  EXPECT_THAT(nodes_.ExpireSilent(kStart + absl::Seconds(40)), IsEmpty());
  ASSERT_NE(nodes_.Heard("n2", n2, kStart + absl::Seconds(30)), nullptr);
  EXPECT_THAT(nodes_.ExpireSilent(kStart + absl::Seconds(41)), ElementsAre("n1"));
  EXPECT_FALSE(nodes_.Find("n1")->ready);
  EXPECT_TRUE(nodes_.Find("n2")->ready);
  EXPECT_THAT(nodes_.ExpireSilent(kStart + absl::Seconds(60)), IsEmpty());
  EXPECT_THAT(nodes_.ExpireSilent(kStart + absl::Seconds(71)), ElementsAre("n2"));
}

TEST_F(NodeSessionsTest, DeliverNeedsASessionAndCloseAllEndsThem) {
  auto link = std::make_shared<RecordingLink>();
  const int64_t sid = Connect("n1", kStart, link);
  v1::ControllerMessage m;
  m.mutable_stop()->set_task_id("j/w/0");
  EXPECT_TRUE(nodes_.Deliver("n1", m));
  EXPECT_EQ(link->sent.size(), 1u);
  EXPECT_FALSE(nodes_.Deliver("n2", m));
  nodes_.CloseAll(absl::UnavailableError("shutting down"));
  ASSERT_TRUE(link->closed.has_value());
  EXPECT_EQ(link->closed->code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(nodes_.Detach("n1", sid));
  EXPECT_FALSE(nodes_.Deliver("n1", m));
}

}  // namespace
}  // namespace manychip::internal
