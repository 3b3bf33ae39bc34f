#include "src/service/http_router.h"

#include <optional>

#include "gtest/gtest.h"

namespace manychip::internal {
namespace {

// Dispatches and returns the reply given synchronously.
std::optional<HttpResponse> Get(const HttpRouter& router, const std::string& method,
                                const std::string& target) {
  std::optional<HttpResponse> out;
  router.Dispatch(ParseRequest(method, target), [&](HttpResponse r) { out = std::move(r); });
  return out;
}

TEST(HttpRouterTest, RoutesExactPathsAndPassesTheQuery) {
  HttpRouter router;
  std::string seen_query;
  ASSERT_TRUE(router
                  .Handle("/metrics",
                          [&](const HttpRequest& req, HttpReply reply) {
                            seen_query = req.query;
                            reply(HttpResponse::Text(200, "m"));
                          })
                  .ok());
  ASSERT_TRUE(
      router
          .Handle("/", [](const HttpRequest&, HttpReply r) { r(HttpResponse::Text(200, "root")); })
          .ok());
  auto m = Get(router, "GET", "/metrics?name[]=x");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->body, "m");
  EXPECT_EQ(seen_query, "name[]=x");
  auto root = Get(router, "HEAD", "/");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->body, "root");
  // No prefix matching: "/metrics/x" is not "/metrics", nor "/" a catch-all.
  auto missing = Get(router, "GET", "/metrics/x");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
}

TEST(HttpRouterTest, RefusesMethodsOtherThanGetAndHead) {
  HttpRouter router;
  bool called = false;
  ASSERT_TRUE(router
                  .Handle("/healthz",
                          [&](const HttpRequest&, HttpReply r) {
                            called = true;
                            r(HttpResponse::Text(200, "ok"));
                          })
                  .ok());
  auto post = Get(router, "POST", "/healthz");
  ASSERT_TRUE(post.has_value());
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->headers["Allow"], "GET, HEAD");
  EXPECT_FALSE(called);
}

TEST(HttpRouterTest, RejectsBadAndDuplicatePaths) {
  HttpRouter router;
  auto noop = [](const HttpRequest&, HttpReply r) { r(HttpResponse::Text(200, "")); };
  EXPECT_EQ(router.Handle("metrics", noop).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(router.Handle("/a", noop).ok());
  EXPECT_EQ(router.Handle("/a", noop).code(), absl::StatusCode::kAlreadyExists);
}

TEST(ParseRequestTest, SplitsPathAndQuery) {
  HttpRequest r = ParseRequest("GET", "/api/v1/dashboard?x=1&y=2");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/api/v1/dashboard");
  EXPECT_EQ(r.query, "x=1&y=2");
  EXPECT_EQ(ParseRequest("GET", "/").query, "");
}

}  // namespace
}  // namespace manychip::internal
