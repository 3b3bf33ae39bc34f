#pragma once

// ControllerThread: the daemon's Executor, one asio io_context on one
// thread, with a periodic tick. The controller never reads the time or arms
// timers itself; this calls its `Tick` every `tick_interval`.
//
// Thread-safety: `Post` from any thread; Start and Stop from the thread
// that owns this object, once each.
//
//   ControllerThread thread(absl::Milliseconds(200));
//   thread.Start([&] { controller.Tick(); });
//   thread.Post("api.get", [&] { ... });
//   thread.Stop([&] { controller.CloseSessions(); });

#include <functional>
#include <thread>

#include "absl/time/time.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "src/service/executor.h"

namespace manychip::internal {

class ControllerThread final : public Executor {
 public:
  explicit ControllerThread(absl::Duration tick_interval);
  // Stops if still running (without a last step).
  ~ControllerThread() override;

  // Starts the thread; `tick` then runs on it every tick interval.
  void Start(std::function<void()> tick);
  // Runs `last` on the thread after the work already posted, then stops and
  // joins it; what is posted later is dropped. Idempotent.
  void Stop(std::function<void()> last = nullptr);

  // Logs a warning when one post runs longer than 100 ms.
  void Post(const char* what, std::function<void()> fn) override;

 private:
  void ArmTimer();

  const absl::Duration tick_interval_;
  std::function<void()> tick_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::steady_timer timer_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace manychip::internal
