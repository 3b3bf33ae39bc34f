#include "src/service/http_router.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace manychip::internal {

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpRequest ParseRequest(absl::string_view method, absl::string_view target) {
  HttpRequest r;
  r.method = std::string(method);
  const size_t q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != absl::string_view::npos) r.query = std::string(target.substr(q + 1));
  return r;
}

absl::Status HttpRouter::Handle(std::string path, HttpHandler handler) {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("path \"", path, "\": must start with '/'"));
  }
  if (!routes_.emplace(path, std::move(handler)).second) {
    return absl::AlreadyExistsError(absl::StrCat("path ", path, ": already routed"));
  }
  return absl::OkStatus();
}

void HttpRouter::Dispatch(const HttpRequest& request, HttpReply reply) const {
  auto it = routes_.find(request.path);
  if (it == routes_.end()) {
    reply(HttpResponse::Text(404, absl::StrCat("no such page: ", request.path, "\n")));
    return;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse r = HttpResponse::Text(405, "only GET and HEAD are served\n");
    r.headers["Allow"] = "GET, HEAD";
    reply(std::move(r));
    return;
  }
  it->second(request, std::move(reply));
}

}  // namespace manychip::internal
