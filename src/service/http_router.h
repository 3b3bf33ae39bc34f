#pragma once

// HttpRouter: maps GET paths of manychipd's status listener (--http_listen)
// to handlers, apart from the socket code (http_server.h) so routing is
// tested without one. A handler answers through `reply`, at once or later
// from another thread (e.g. after a post to the controller thread); the
// server bounds how long it waits.
//
// Thread-safety: Handle() while building only; Dispatch() from any thread
// once built.
//
//   HttpRouter router;
//   MC_RETURN_IF_ERROR(router.Handle("/healthz", [](const HttpRequest&, HttpReply reply) {
//     reply(HttpResponse::Text(200, "ok\n"));
//   }));

#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace manychip::internal {

struct HttpRequest {
  std::string method;  // "GET", "HEAD", ...
  std::string path;    // "/metrics"; without the query
  std::string query;   // after '?', undecoded; empty if none
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Extra headers, e.g. Cache-Control.
  std::map<std::string, std::string> headers;

  static HttpResponse Text(int status, std::string body);
};

// Must be called exactly once; may be called from any thread.
using HttpReply = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(const HttpRequest&, HttpReply)>;

// Splits "/path?query" (a request target) into path and query.
HttpRequest ParseRequest(absl::string_view method, absl::string_view target);

class HttpRouter {
 public:
  // InvalidArgument unless `path` starts with '/'; AlreadyExists on a
  // duplicate path.
  absl::Status Handle(std::string path, HttpHandler handler);

  // Runs the handler of the exact path. GET and HEAD only (405 otherwise,
  // with Allow); unknown paths get 404.
  void Dispatch(const HttpRequest& request, HttpReply reply) const;

 private:
  std::map<std::string, HttpHandler, std::less<>> routes_;
};

}  // namespace manychip::internal
