#include "src/service/http_server.h"

#include <chrono>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "spdlog/spdlog.h"

namespace manychip::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Connections beyond this are closed at once: the listener serves a few
// scrapers and dashboards, not the public.
constexpr int kMaxConnections = 64;
// A keep-alive connection idle this long is closed.
constexpr auto kIdleTimeout = std::chrono::seconds(60);

// Replies come from other threads and may outlive the server: they reach
// the io_context only through here, and only while it runs.
struct Hub {
  absl::Mutex mu;
  asio::io_context* io ABSL_GUARDED_BY(mu) = nullptr;

  void Post(std::function<void()> fn) {
    absl::MutexLock lock(&mu);
    if (io != nullptr) asio::post(*io, std::move(fn));
  }
};

absl::StatusOr<tcp::endpoint> ParseListen(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http_listen ", listen, ": want HOST:PORT, e.g. 127.0.0.1:9090"));
  }
  absl::string_view host = listen.substr(0, colon);
  int port = -1;
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http_listen ", listen, ": port must be 0..65535"));
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  asio::ip::address addr = asio::ip::make_address(std::string(host), ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http_listen ", listen, ": host must be an IP address or localhost"));
  }
  if (!addr.is_loopback()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--http_listen ", listen,
        ": the status listener is plaintext and unauthenticated, so it binds loopback only "
        "(use 127.0.0.1:PORT; see docs/operations.md to expose it)"));
  }
  return tcp::endpoint(addr, static_cast<uint16_t>(port));
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<const HttpRouter> router, std::shared_ptr<Hub> hub,
          absl::Duration reply_timeout, std::shared_ptr<std::atomic<int>> connections)
      : stream_(std::move(socket)),
        timer_(stream_.get_executor()),
        router_(std::move(router)),
        hub_(std::move(hub)),
        reply_timeout_(absl::ToChronoMilliseconds(reply_timeout)),
        connections_(std::move(connections)) {
    ++*connections_;
  }
  ~Session() { --*connections_; }

  void Read() {
    request_ = {};
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Close();
                       self->OnRequest();
                     });
  }

 private:
  void OnRequest() {
    stream_.expires_never();
    const uint64_t id = ++request_id_;
    replied_ = false;
    timer_.expires_after(reply_timeout_);
    timer_.async_wait([self = shared_from_this(), id](beast::error_code ec) {
      if (ec) return;  // cancelled: the reply came
      self->Respond(id, HttpResponse::Text(503, "no answer from the controller in time\n"));
    });
    HttpRequest req =
        ParseRequest(std::string(request_.method_string()), std::string(request_.target()));
    std::weak_ptr<Session> weak = shared_from_this();
    router_->Dispatch(req, [weak, hub = hub_, id](HttpResponse r) {
      hub->Post([weak, id, r = std::move(r)]() mutable {
        if (auto self = weak.lock()) self->Respond(id, std::move(r));
      });
    });
  }

  void Respond(uint64_t id, HttpResponse r) {
    if (id != request_id_ || replied_) return;
    replied_ = true;
    timer_.cancel();
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), request_.version());
    res->set(http::field::server, "manychipd");
    res->set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(request_.keep_alive());
    if (request_.method() == http::verb::head) {
      res->content_length(r.body.size());
    } else {
      res->body() = std::move(r.body);
      res->prepare_payload();
    }
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec || !res->keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::shared_ptr<const HttpRouter> router_;
  std::shared_ptr<Hub> hub_;
  std::chrono::milliseconds reply_timeout_;
  std::shared_ptr<std::atomic<int>> connections_;
  uint64_t request_id_ = 0;
  bool replied_ = true;
};

}  // namespace

struct HttpServer::State {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::shared_ptr<const HttpRouter> router;
  std::shared_ptr<Hub> hub = std::make_shared<Hub>();
  absl::Duration reply_timeout;
  std::shared_ptr<std::atomic<int>> connections = std::make_shared<std::atomic<int>>(0);

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (*connections >= kMaxConnections) {
          beast::error_code ignored;
          socket.close(ignored);
        } else {
          std::make_shared<Session>(std::move(socket), router, hub, reply_timeout, connections)
              ->Read();
        }
      }
      Accept();
    });
  }
};

HttpServer::HttpServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    absl::string_view listen, std::shared_ptr<const HttpRouter> router,
    absl::Duration reply_timeout) {
  absl::StatusOr<tcp::endpoint> endpoint = ParseListen(listen);
  if (!endpoint.ok()) return endpoint.status();
  auto state = std::make_unique<State>();
  state->router = std::move(router);
  state->reply_timeout = reply_timeout;
  beast::error_code ec;
  state->acceptor.open(endpoint->protocol(), ec);
  if (!ec) state->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(*endpoint, ec);
  if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("--http_listen ", listen, ": cannot bind: ", ec.message()));
  }
  {
    absl::MutexLock lock(&state->hub->mu);
    state->hub->io = &state->io;
  }
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(state)));
  server->port_ = server->state_->acceptor.local_endpoint().port();
  server->state_->Accept();
  server->thread_ = std::thread([s = server->state_.get()] { s->io.run(); });
  return server;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  if (stopped_.exchange(true)) return;
  {
    absl::MutexLock lock(&state_->hub->mu);
    state_->hub->io = nullptr;
  }
  state_->io.stop();
  if (thread_.joinable()) thread_.join();
  // The thread is gone: closing here races nothing, and new connections are
  // refused instead of waiting in the backlog.
  beast::error_code ignored;
  state_->acceptor.close(ignored);
}

}  // namespace manychip::internal
