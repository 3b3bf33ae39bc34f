#pragma once

// FlakyStateStore: an in-memory StateStore whose writes fail with
// Unavailable ("disk full") while `fail` is set, for tests of what the
// daemon does when a durable write fails. It counts write attempts.
//
// Thread-safety: none; the test thread. Keep a raw pointer to flip `fail`
// after handing ownership to the code under test.
//
//   auto store = std::make_unique<FlakyStateStore>();
//   FlakyStateStore* flaky = store.get();
//   flaky->fail = true;

#include <cstdint>
#include <memory>
#include <vector>

#include "manychip/store/state_store.h"

namespace manychip::testing {

class FlakyStateStore final : public StateStore {
 public:
  absl::Status Write(const StoreWrite& w) override {
    ++writes;
    if (fail) return absl::UnavailableError("disk full");
    return inner_->Write(w);
  }
  absl::StatusOr<StoreSnapshot> Load() const override { return inner_->Load(); }
  absl::StatusOr<std::vector<EventRecord>> Events(int64_t after, int limit) const override {
    return inner_->Events(after, limit);
  }

  bool fail = false;
  int writes = 0;

 private:
  std::unique_ptr<StateStore> inner_ = NewInMemoryStateStore();
};

}  // namespace manychip::testing
