#include "src/service/http_server.h"

#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/testing/http_client.h"

namespace manychip::internal {
namespace {

using testing::HttpGet;

TEST(HttpServerTest, ServesRoutesOverLoopbackIncludingLateRepliesFromAnotherThread) {
  auto router = std::make_shared<HttpRouter>();
  ASSERT_TRUE(router
                  ->Handle("/now",
                           [](const HttpRequest&, HttpReply r) {
                             HttpResponse resp = HttpResponse::Text(200, "now\n");
                             resp.headers["X-Test"] = "1";
                             r(std::move(resp));
                           })
                  .ok());
  // A reply from another thread, as the controller thread gives them.
  ASSERT_TRUE(router
                  ->Handle("/later",
                           [](const HttpRequest&, HttpReply r) {
                             std::thread([r] { r(HttpResponse::Text(200, "later\n")); }).detach();
                           })
                  .ok());
  auto server = HttpServer::Start("127.0.0.1:0", router);
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  ASSERT_GT(port, 0);
  auto now = HttpGet(port, "/now");
  EXPECT_EQ(now.status, 200) << now.error;
  EXPECT_EQ(now.body, "now\n");
  EXPECT_EQ(now.content_type, "text/plain; charset=utf-8");
  auto later = HttpGet(port, "/later");
  EXPECT_EQ(later.status, 200) << later.error;
  EXPECT_EQ(later.body, "later\n");
  auto head = HttpGet(port, "/now", "HEAD");
  EXPECT_EQ(head.status, 200) << head.error;
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(HttpGet(port, "/nope").status, 404);
  (*server)->Stop();
  EXPECT_EQ(HttpGet(port, "/now", "GET", std::chrono::seconds(2)).status, 0);
}

TEST(HttpServerTest, AnswersServiceUnavailableWhenNoReplyComesInTime) {
  auto router = std::make_shared<HttpRouter>();
  // The reply is kept and never called, like a post to a stuck controller.
  auto kept = std::make_shared<std::vector<HttpReply>>();
  ASSERT_TRUE(
      router->Handle("/stuck", [kept](const HttpRequest&, HttpReply r) { kept->push_back(r); })
          .ok());
  auto server = HttpServer::Start("127.0.0.1:0", router, absl::Milliseconds(200));
  ASSERT_TRUE(server.ok()) << server.status();
  auto r = HttpGet((*server)->port(), "/stuck");
  EXPECT_EQ(r.status, 503) << r.error;
  // A reply after the timeout, or after the server stopped, is dropped.
  (*kept)[0](HttpResponse::Text(200, "too late"));
  (*server)->Stop();
  (*kept)[0](HttpResponse::Text(200, "after stop"));
}

TEST(HttpServerTest, RefusesNonLoopbackAndMalformedAddresses) {
  auto router = std::make_shared<HttpRouter>();
  for (const char* bad : {"0.0.0.0:9090", "10.1.2.3:80", "[::]:9090", "nohost:80", "127.0.0.1",
                          "127.0.0.1:99999", "example.com:80"}) {
    auto s = HttpServer::Start(bad, router);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  auto v6 = HttpServer::Start("[::1]:0", router);
  // A host without IPv6 loopback cannot bind it; that is Unavailable, not a refusal.
  EXPECT_TRUE(v6.ok() || v6.status().code() == absl::StatusCode::kUnavailable) << v6.status();
  auto local = HttpServer::Start("localhost:0", router);
  EXPECT_TRUE(local.ok()) << local.status();
}

}  // namespace
}  // namespace manychip::internal
