#pragma once

// FakeSessionLink: an agent session's outbox that records what the
// controller sent and whether it closed the session, for tests of the
// daemon's node side without a stream.
//
// Thread-safety: none; the test thread.
//
//   auto link = std::make_shared<FakeSessionLink>();
//   ASSERT_TRUE(controller.AttachSession("n1", session_id, link).ok());
//   EXPECT_TRUE(link->sent.back().has_launch());

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "manychip/v1/agent.pb.h"
#include "src/service/node_sessions.h"

namespace manychip::testing {

class FakeSessionLink final : public internal::SessionLink {
 public:
  void Send(const v1::ControllerMessage& msg) override { sent.push_back(msg); }
  void Close(const absl::Status& status) override { closed = status; }

  std::vector<v1::ControllerMessage> sent;
  std::optional<absl::Status> closed;
};

}  // namespace manychip::testing
