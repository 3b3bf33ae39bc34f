#pragma once

// StreamOutbox: the send queue of one server-streaming gRPC call (a
// WatchJobs stream), between the thread that produces messages (the
// controller) and the gRPC threads that run the stream's reactions.
//
// It drives the stream through a StreamWriter, which the reactor implements
// by forwarding to its StartWrite/Finish, so the protocol can be tested with
// a fake writer.
//
// The protocol. gRPC's callback API allows one write in flight, nothing
// after Finish, and exactly one Finish; after Finish and the last write's
// OnWriteDone it runs OnDone, and the reactor is deleted. So the outbox
// keeps a token: only its holder may call Write or End, and it calls them
// after releasing the outbox's lock (gRPC may run a reaction inline). Push
// takes the token when the stream is idle; OnWriteDone holds it (the write
// was the holder's) and passes it to the next write or to End. Close, and a
// slow client's cut, only record the final status while a write is in
// flight; OnWriteDone then ends the stream. End is the last use of the
// writer, so while the token is held the reactor cannot be deleted.
//
// Thread-safety: every method may be called from any thread.

#include <cstddef>
#include <deque>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace manychip::internal {

// What a StreamOutbox issues on the stream: the reactor's StartWrite and
// Finish. `msg` stays valid until the outbox's OnWriteDone.
template <class Msg>
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  virtual void Write(const Msg& msg) = 0;
  virtual void End(const absl::Status& status) = 0;
};

struct OutboxLimits {
  // A client whose unsent messages (encoded size, the one being written
  // included; see PushUncounted) would exceed this is too slow: it is cut.
  // One message larger than this is still sent when no other is counted.
  size_t max_queued_bytes = 256 << 10;
};

template <class Msg>
class StreamOutbox {
 public:
  // `writer` must stay valid until OnDone.
  StreamOutbox(StreamWriter<Msg>* writer, OutboxLimits limits) : limits_(limits), writer_(writer) {}

  // Queues `msg` and writes it when no write is in flight. False once the
  // stream is ending: the caller forgets the stream.
  bool Push(const Msg& msg) { return Queue(msg, /*counted=*/true); }
  // Like Push, but `msg` does not count against `max_queued_bytes`: for a
  // snapshot of current state sent when the stream opens, which is bounded
  // by the state itself and may well exceed the bound for changes.
  bool PushUncounted(const Msg& msg) { return Queue(msg, /*counted=*/false); }

  // Ends the stream with `status` once no write is in flight; the first
  // Close (or cut) decides the status.
  void Close(const absl::Status& status) {
    Action act;
    {
      absl::MutexLock lock(&mu_);
      if (final_status_.has_value()) return;
      act = WantEnd(status);
    }
    Run(act);
  }

  // The reactor's OnWriteDone: the token comes back with it.
  void OnWriteDone(bool ok) {
    Action act;
    {
      absl::MutexLock lock(&mu_);
      PopFront();
      if (!ok && !final_status_.has_value()) {
        final_status_ = absl::UnavailableError("watch stream write failed");
      }
      act.to = writer_;
      if (final_status_.has_value()) {
        Clear();
        act.end = true;
        act.status = *final_status_;
      } else if (!queue_.empty()) {
        act.write = &queue_.front().msg;
      } else {
        token_ = false;
      }
    }
    Run(act);
  }

  // The reactor's OnDone: the writer is gone. Drops what is queued.
  void OnDone() {
    absl::MutexLock lock(&mu_);
    if (!final_status_.has_value()) final_status_ = absl::CancelledError("stream done");
    Clear();
    writer_ = nullptr;
  }

 private:
  bool Queue(const Msg& msg, bool counted) {
    Action act;
    bool accepted = false;
    {
      absl::MutexLock lock(&mu_);
      if (final_status_.has_value()) return false;
      const size_t size = counted ? msg.ByteSizeLong() : 0;
      if (queued_bytes_ > 0 && queued_bytes_ + size > limits_.max_queued_bytes) {
        // A client too slow to read is cut off rather than buffered forever.
        act = WantEnd(absl::ResourceExhaustedError(absl::StrCat(
            "client too slow: more than ", limits_.max_queued_bytes, " bytes unsent; reconnect")));
      } else {
        queue_.push_back({msg, size});
        queued_bytes_ += size;
        accepted = true;
        if (!token_) {
          token_ = true;
          act.to = writer_;
          act.write = &queue_.front().msg;
        }
      }
    }
    Run(act);
    return accepted;
  }

  // What to issue after the lock is released; only the token holder has one.
  struct Action {
    StreamWriter<Msg>* to = nullptr;
    const Msg* write = nullptr;
    bool end = false;
    absl::Status status;
  };

  // Records the final status. With the token free, takes it to end now;
  // otherwise the holder's OnWriteDone ends. Unsent messages are dropped,
  // but not the one being written.
  Action WantEnd(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    final_status_ = status;
    Action act;
    if (token_) {
      while (queue_.size() > 1) {
        queued_bytes_ -= queue_.back().bytes;
        queue_.pop_back();
      }
    } else {
      token_ = true;
      Clear();
      act.to = writer_;
      act.end = true;
      act.status = std::move(status);
    }
    return act;
  }

  void PopFront() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    queued_bytes_ -= queue_.front().bytes;
    queue_.pop_front();
  }
  void Clear() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    queue_.clear();
    queued_bytes_ = 0;
  }

  // Holding the token, this thread alone may use the writer, and it is
  // alive: OnDone comes only after End.
  static void Run(const Action& act) {
    if (act.write != nullptr) act.to->Write(*act.write);
    if (act.end) act.to->End(act.status);
  }

  const OutboxLimits limits_;
  absl::Mutex mu_;
  struct Queued {
    Msg msg;
    size_t bytes;  // encoded size
  };
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // Held by whoever may issue the next Write or End: the thread that took it
  // in Push/Close until its call, then the write in flight (OnWriteDone).
  // Once End is issued it is never released.
  bool token_ ABSL_GUARDED_BY(mu_) = false;
  // Set once the stream is to end; End is issued with it.
  std::optional<absl::Status> final_status_ ABSL_GUARDED_BY(mu_);
  StreamWriter<Msg>* writer_ ABSL_GUARDED_BY(mu_);
};

}  // namespace manychip::internal
