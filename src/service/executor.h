#pragma once

// Executor: the daemon's owner thread as a seam. Everything the controller
// owns is touched only by work run through one Executor, in post order
// (STYLE.md §7), so the daemon runs it on an asio thread (ControllerThread)
// and tests drain a queue on the test thread (tests/testing/manual_executor.h).
//
// Thread-safety: `Post` is safe from any thread; posted work runs one at a
// time, never concurrently with other posted work.
//
//   executor.Post("api.submit", [&] { controller.SubmitJob(caller, spec, done); });

#include <functional>

namespace manychip::internal {

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `fn` after the work already posted. `what` (a string literal)
  // names the post in logs.
  virtual void Post(const char* what, std::function<void()> fn) = 0;
};

}  // namespace manychip::internal
