#pragma once

// WatchHub: the WatchJobs fan-out. Each watcher (a stream's outbox, the
// caller it belongs to and an optional single job) first gets the state of
// every job it may see, then every change the controller publishes, in
// publish order.
//
// Invariants: a watcher never receives a job its caller may not see (a
// tenant sees only its own jobs) nor, when it watches one job, any other;
// a watcher whose stream is gone (Send false) is dropped and gets nothing
// more.
//
// Thread-safety: none; the controller's owner thread. Links are thread-safe.
//
//   WatchHub watches;
//   watches.Add(caller, "", link, current_jobs);
//   watches.Publish(event);  // after the write holding the change succeeded

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "manychip/v1/scheduler.pb.h"
#include "src/service/caller.h"

namespace manychip::internal {

// A WatchJobs stream's outbox. Thread-safe. Send returns false once the
// stream is gone (the controller then forgets it); Close ends the stream.
// SendSnapshot sends the state at open, which the slow-client bound for
// changes does not count.
class WatchLink {
 public:
  virtual ~WatchLink() = default;
  virtual bool Send(const v1::JobEvent& event) = 0;
  virtual bool SendSnapshot(const v1::JobEvent& event) = 0;
  virtual void Close(const absl::Status& status) = 0;
};

class WatchHub {
 public:
  // Sends `current` (what of it the watcher may see) and keeps the watcher
  // unless its stream ended meanwhile. `job_id` empty: every job.
  void Add(const Caller& caller, const std::string& job_id, std::shared_ptr<WatchLink> link,
           const std::vector<v1::JobEvent>& current);
  // Sends `event` to every watcher of its job that may see it.
  void Publish(const v1::JobEvent& event);
  // Forgets the watcher whose stream ended (its reactor's OnDone); a link
  // already dropped is a no-op.
  void Remove(const WatchLink* link);
  // How many watchers `caller` (the same admin flag and tenant) holds.
  size_t CountFor(const Caller& caller) const;

  bool empty() const { return watchers_.empty(); }
  size_t size() const { return watchers_.size(); }

 private:
  struct Watcher {
    Caller caller;
    std::string job_id;
    std::shared_ptr<WatchLink> link;
    bool Wants(const v1::JobEvent& event) const;
  };
  std::vector<Watcher> watchers_;
};

}  // namespace manychip::internal
