#pragma once

// HttpServer: manychipd's status listener (--http_listen) over Boost.Beast:
// HTTP/1.1 with keep-alive, GET and HEAD, routed by an HttpRouter. One
// thread of its own runs every socket; handlers that need the controller
// post to it and reply later, and a request whose reply does not come
// within `reply_timeout` gets 503, so a busy controller never hangs a
// scraper.
//
// Security: plaintext and unauthenticated, so it binds loopback addresses
// only (docs/operations.md says why and how to expose it).
//
// Ownership: owns its io_context, thread and sockets; the router is shared.
// Thread-safety: Start/Stop/port from any one thread; replies from any.
//
//   MC_ASSIGN_OR_RETURN(auto http, HttpServer::Start("127.0.0.1:0", router, absl::Seconds(5)));
//   int port = http->port();

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/service/http_router.h"

namespace manychip::internal {

class HttpServer {
 public:
  // `listen` is "HOST:PORT" with HOST an IP literal ("127.0.0.1",
  // "[::1]") or "localhost"; port 0 picks a free port. InvalidArgument for
  // a malformed or non-loopback address, Unavailable if it cannot bind.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      absl::string_view listen, std::shared_ptr<const HttpRouter> router,
      absl::Duration reply_timeout = absl::Seconds(5));
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  // Closes the listener and every connection and joins the thread.
  // Idempotent. Replies that arrive afterwards are dropped.
  void Stop();

 private:
  struct State;
  explicit HttpServer(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace manychip::internal
