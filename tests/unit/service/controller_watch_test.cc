// The Controller's side of WatchJobs: how many streams a caller may hold,
// and that an ended stream is forgotten without waiting for an event. The
// test thread is the controller thread (the controller is not started).

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "src/service/controller.h"
#include "src/service/server_setup.h"
#include "tests/testing/paths.h"

namespace manychip::internal {
namespace {

class FakeWatch final : public WatchLink {
 public:
  bool Send(const v1::JobEvent&) override { return closed_.ok(); }
  bool SendSnapshot(const v1::JobEvent&) override { return closed_.ok(); }
  void Close(const absl::Status& status) override {
    if (closed_.ok()) closed_ = status;
  }
  const absl::Status& closed() const { return closed_; }

 private:
  absl::Status closed_;  // OK while open
};

std::unique_ptr<ServerParts> Parts(int32_t watch_max_per_caller) {
  ServerOptions o;
  o.state_path = ":memory:";
  o.catalog_path = testing::SourcePath("examples/catalog/devices.json");
  o.watch_max_per_caller = watch_max_per_caller;
  auto parts = BuildServerParts(o);
  EXPECT_TRUE(parts.ok()) << parts.status();
  return parts.ok() ? *std::move(parts) : nullptr;
}

TEST(ControllerWatchTest, EachCallerHoldsAtMostTheLimit) {
  auto parts = Parts(2);
  ASSERT_NE(parts, nullptr);
  Controller& c = *parts->controller;
  const Caller a{.admin = false, .tenant = "team-a"};
  const Caller b{.admin = false, .tenant = "team-b"};
  std::vector<std::shared_ptr<FakeWatch>> w;
  for (int i = 0; i < 4; ++i) w.push_back(std::make_shared<FakeWatch>());

  c.AddWatcher(a, "", w[0]);
  c.AddWatcher(a, "", w[1]);
  c.AddWatcher(a, "", w[2]);
  EXPECT_TRUE(w[0]->closed().ok());
  EXPECT_TRUE(w[1]->closed().ok());
  EXPECT_EQ(w[2]->closed().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(w[2]->closed().message(), "--watch_max_per_caller"))
      << w[2]->closed();
  EXPECT_EQ(c.WatchersForTest(), 2u);

  // Another tenant has a limit of its own.
  c.AddWatcher(b, "", w[3]);
  EXPECT_TRUE(w[3]->closed().ok());
  EXPECT_EQ(c.WatchersForTest(), 3u);

  // Once one of team-a's streams ends, team-a may open another.
  c.RemoveWatcher(w[0].get());
  EXPECT_EQ(c.WatchersForTest(), 2u);
  auto again = std::make_shared<FakeWatch>();
  c.AddWatcher(a, "", again);
  EXPECT_TRUE(again->closed().ok());
  EXPECT_EQ(c.WatchersForTest(), 3u);
}

TEST(ControllerWatchTest, EndedStreamsAreForgottenWithoutAnEvent) {
  auto parts = Parts(100);
  ASSERT_NE(parts, nullptr);
  Controller& c = *parts->controller;
  std::vector<std::shared_ptr<FakeWatch>> w;
  for (int i = 0; i < 50; ++i) {
    w.push_back(std::make_shared<FakeWatch>());
    c.AddWatcher(Caller{.admin = true, .tenant = ""}, "", w.back());
  }
  EXPECT_EQ(c.WatchersForTest(), 50u);
  for (const auto& link : w) c.RemoveWatcher(link.get());
  EXPECT_EQ(c.WatchersForTest(), 0u);
  // Removing one that is already gone is harmless.
  c.RemoveWatcher(w[0].get());
  EXPECT_EQ(c.WatchersForTest(), 0u);
}

}  // namespace
}  // namespace manychip::internal
