#include "src/service/expiry_queue.h"

#include "absl/time/clock.h"

namespace manychip::internal {

ExpiryQueue::ExpiryQueue(absl::Duration timeout) : timeout_(timeout), thread_([this] { Run(); }) {}

ExpiryQueue::~ExpiryQueue() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void ExpiryQueue::Add(std::function<void()> on_expiry) {
  absl::MutexLock lock(&mu_);
  queue_.emplace_back(absl::Now() + timeout_, std::move(on_expiry));
}

void ExpiryQueue::Run() {
  absl::MutexLock lock(&mu_);
  while (!stop_) {
    const absl::Time now = absl::Now();
    if (!queue_.empty() && queue_.front().first <= now) {
      std::function<void()> f = std::move(queue_.front().second);
      queue_.pop_front();
      mu_.Unlock();
      f();
      mu_.Lock();
      continue;
    }
    // Woken by stop_ or a new entry; otherwise when the first one is due.
    const absl::Time wake = queue_.empty() ? now + timeout_ : queue_.front().first;
    const size_t size = queue_.size();
    auto changed = [this, size]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return stop_ || (size == 0 && !queue_.empty());
    };
    mu_.AwaitWithDeadline(absl::Condition(&changed), wake);
  }
}

}  // namespace manychip::internal
