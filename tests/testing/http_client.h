#pragma once

// A blocking HTTP/1.1 GET over loopback for tests of manychipd's status
// listener (Boost.Beast, header-only). Each call opens its own connection.
//
//   HttpResult r = HttpGet(port, "/metrics");
//   EXPECT_EQ(r.status, 200);

#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <string>

#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

namespace manychip::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (the message says why)
  std::string content_type;
  std::string body;
  std::string error;
};

inline HttpResult HttpGet(int port, const std::string& target, const std::string& method = "GET",
                          std::chrono::seconds timeout = std::chrono::seconds(10)) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  HttpResult out;
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                  static_cast<uint16_t>(port)));
    // The stream's expiry covers async calls only; bound the blocking reads.
    timeval tv{.tv_sec = static_cast<time_t>(timeout.count()), .tv_usec = 0};
    ::setsockopt(stream.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    http::request<http::empty_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.skip(method == "HEAD");
    http::read(stream, buffer, parser);
    out.status = static_cast<int>(parser.get().result_int());
    out.content_type = std::string(parser.get()[http::field::content_type]);
    out.body = parser.get().body();
    beast::error_code ignored;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

}  // namespace manychip::testing
