#pragma once

// EventHub: the WatchEvents fan-out and the in-memory tail of the event
// log. The controller appends each event once the store write holding it
// succeeded; the hub keeps the last `capacity` of them in a ring and sends
// each to every watcher that may see it (event_view.h) and asked for its
// job. A watcher starting from an older seq gets the gap read from the
// store first, as long as the gap is no larger than the ring (larger
// histories are ListEvents' to page through), so `--since` works after a
// restart, when the ring is empty.
//
// Invariants: a watcher receives events in seq order, each at most once,
// none it may not see; a watcher whose stream is gone (Send false) is
// dropped and gets nothing more. The replayed history is bounded by the
// ring's capacity and does not count against the slow-client byte bound of
// the stream (StreamOutbox::PushUncounted); live events do.
//
// Thread-safety: none; the controller's owner thread. Links are thread-safe.
//
//   EventHub hub(4096);
//   hub.set_last_seq(snapshot.last_event_seq);
//   MC_RETURN_IF_ERROR(hub.Add(caller, "", /*after_seq=*/12, link, store));
//   hub.Append(EventToProto(record));  // after the write holding it succeeded

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "manychip/store/state_store.h"
#include "manychip/v1/scheduler.pb.h"
#include "src/service/caller.h"

namespace manychip::internal {

// A WatchEvents stream's outbox; the contract of WatchLink (watch_hub.h).
class EventLink {
 public:
  virtual ~EventLink() = default;
  virtual bool Send(const v1::Event& event) = 0;
  virtual bool SendHistory(const v1::Event& event) = 0;
  virtual void Close(const absl::Status& status) = 0;
};

class EventHub {
 public:
  explicit EventHub(size_t capacity = 4096) : capacity_(capacity == 0 ? 1 : capacity) {}

  // The seq of the last event recorded before the hub started (the store's).
  void set_last_seq(int64_t seq) { last_seq_ = seq; }
  int64_t last_seq() const { return last_seq_; }
  size_t capacity() const { return capacity_; }

  // Sends what `caller` may see of the events after `after_seq` (< 0: none,
  // only new ones) naming `job_id` (empty: any), then keeps the watcher.
  // OutOfRange when more than `capacity` events are missing from the ring
  // (the caller pages with ListEvents first); a store error as it is. On
  // error nothing is kept and nothing was sent.
  absl::Status Add(const Caller& caller, const std::string& job_id, int64_t after_seq,
                   std::shared_ptr<EventLink> link, const StateStore& store);
  // Records `event` (its seq must follow the last one) and sends it on.
  void Append(v1::Event event);
  // Forgets the watcher whose stream ended; an unknown link is a no-op.
  void Remove(const EventLink* link);
  // How many watchers `caller` (the same admin flag and tenant) holds.
  size_t CountFor(const Caller& caller) const;

  size_t size() const { return watchers_.size(); }
  const std::deque<v1::Event>& ring() const { return ring_; }

 private:
  struct Watcher {
    Caller caller;
    std::string job_id;
    std::shared_ptr<EventLink> link;
    // Sends `event` if wanted; false once the stream is gone.
    bool Offer(const v1::Event& event, bool history) const;
  };
  const size_t capacity_;
  int64_t last_seq_ = 0;
  std::deque<v1::Event> ring_;
  std::vector<Watcher> watchers_;
};

}  // namespace manychip::internal
