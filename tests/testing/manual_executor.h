#pragma once

// ManualExecutor: an Executor whose posts wait in a queue until the test
// drains it on its own thread, so a test decides when the daemon's owner
// thread "runs" and sees every post it caused.
//
// Thread-safety: none; the test thread posts and drains.
//
//   ManualExecutor executor;
//   Controller controller(options, ..., &clock, &executor);
//   executor.Post("x", [] { ... });
//   ASSERT_TRUE(executor.RunUntilIdle());

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "src/service/executor.h"

namespace manychip::testing {

class ManualExecutor final : public internal::Executor {
 public:
  void Post(const char* what, std::function<void()> fn) override {
    queue_.emplace_back(what, std::move(fn));
  }

  // Runs posts (and what they post) until none is left; false if more than
  // `max_posts` ran, which means something keeps re-posting itself.
  [[nodiscard]] bool RunUntilIdle(size_t max_posts = 10000) {
    for (size_t n = 0; !queue_.empty(); ++n) {
      if (n >= max_posts) return false;
      auto [what, fn] = std::move(queue_.front());
      queue_.pop_front();
      ran_.push_back(what);
      fn();
    }
    return true;
  }

  size_t pending() const { return queue_.size(); }
  // The names of the posts run so far, oldest first.
  const std::vector<std::string>& ran() const { return ran_; }

 private:
  std::deque<std::pair<const char*, std::function<void()>>> queue_;
  std::vector<std::string> ran_;
};

}  // namespace manychip::testing
