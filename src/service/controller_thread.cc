#include "src/service/controller_thread.h"

#include <chrono>
#include <utility>

#include "boost/asio/post.hpp"
#include "spdlog/spdlog.h"

namespace manychip::internal {

ControllerThread::ControllerThread(absl::Duration tick_interval)
    : tick_interval_(tick_interval), work_(boost::asio::make_work_guard(io_)), timer_(io_) {}

ControllerThread::~ControllerThread() { Stop(); }

void ControllerThread::Start(std::function<void()> tick) {
  tick_ = std::move(tick);
  ArmTimer();
  thread_ = std::thread([this] { io_.run(); });
}

void ControllerThread::Stop(std::function<void()> last) {
  if (stopped_) return;
  stopped_ = true;
  boost::asio::post(io_, [this, last = std::move(last)] {
    timer_.cancel();
    if (last) last();
    work_.reset();
    io_.stop();
  });
  if (thread_.joinable()) thread_.join();
}

void ControllerThread::Post(const char* what, std::function<void()> fn) {
  boost::asio::post(io_, [what, fn = std::move(fn)] {
    const auto start = std::chrono::steady_clock::now();
    fn();
    const auto took = std::chrono::steady_clock::now() - start;
    if (took > std::chrono::milliseconds(100)) {
      spdlog::warn("controller post {} took {} ms", what,
                   std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
    }
  });
}

void ControllerThread::ArmTimer() {
  timer_.expires_after(std::chrono::microseconds(absl::ToInt64Microseconds(tick_interval_)));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (tick_) tick_();
    ArmTimer();
  });
}

}  // namespace manychip::internal
