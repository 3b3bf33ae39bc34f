#pragma once

// ExpiryQueue runs each added callback once its fixed timeout has passed, on
// a thread of its own, or not at all if the queue is destroyed first. The
// gateway uses it to end agent streams that never send a hello: gRPC keeps
// an idle stream open forever, so each would hold a reactor for good.
//
// Thread-safety: Add is safe from any thread; callbacks run on the queue's
// thread and must not block. The destructor joins that thread.
//
//   ExpiryQueue hellos(absl::Seconds(10));
//   hellos.Add([weak] { if (auto s = weak.lock(); s && !s->hello_seen()) s->Close(...); });

#include <deque>
#include <functional>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace manychip::internal {

class ExpiryQueue {
 public:
  explicit ExpiryQueue(absl::Duration timeout);
  ~ExpiryQueue();
  ExpiryQueue(const ExpiryQueue&) = delete;
  ExpiryQueue& operator=(const ExpiryQueue&) = delete;

  void Add(std::function<void()> on_expiry);

 private:
  void Run();

  const absl::Duration timeout_;
  absl::Mutex mu_;
  // Deadlines grow with insertion order: one timeout for all.
  std::deque<std::pair<absl::Time, std::function<void()>>> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace manychip::internal
