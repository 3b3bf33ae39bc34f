#pragma once

// StreamOutbox: the send queue of one server-streaming gRPC call (a
// WatchJobs stream), between the thread that produces messages (the
// controller) and the gRPC threads that run the stream's reactions.
//
// It drives the stream through a StreamWriter, which the reactor implements
// by forwarding to its StartWrite/Finish, so the protocol can be tested with
// a fake writer.
//
// Thread-safety: every method may be called from any thread.

#include <cstddef>
#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
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
  // A client whose unsent messages reach this many is too slow: it is cut.
  size_t max_queued_messages = 10000;
};

template <class Msg>
class StreamOutbox {
 public:
  StreamOutbox(StreamWriter<Msg>* writer, OutboxLimits limits) : limits_(limits), writer_(writer) {}

  // Queues `msg` and writes it when no write is in flight. False once the
  // stream is ending: the caller forgets the stream.
  bool Push(const Msg& msg) {
    StreamWriter<Msg>* start = nullptr;
    StreamWriter<Msg>* cut = nullptr;
    const Msg* first = nullptr;
    {
      absl::MutexLock lock(&mu_);
      if (writer_ == nullptr) return false;
      if (queue_.size() >= limits_.max_queued_messages) {
        cut = writer_;
        writer_ = nullptr;
      } else {
        queue_.push_back(msg);
        if (!writing_) {
          writing_ = true;
          start = writer_;
          first = &queue_.front();
        }
      }
    }
    if (cut != nullptr) {
      cut->End(absl::ResourceExhaustedError("watch client too slow; reconnect"));
      return false;
    }
    if (start != nullptr) start->Write(*first);
    return true;
  }

  // Ends the stream with `status` (the first Close wins).
  void Close(const absl::Status& status) {
    StreamWriter<Msg>* finish = nullptr;
    {
      absl::MutexLock lock(&mu_);
      finish = writer_;
      writer_ = nullptr;
    }
    if (finish != nullptr) finish->End(status);
  }

  // The reactor's OnWriteDone.
  void OnWriteDone(bool ok) {
    StreamWriter<Msg>* start = nullptr;
    const Msg* next = nullptr;
    {
      absl::MutexLock lock(&mu_);
      queue_.pop_front();
      if (!ok || writer_ == nullptr) {
        writing_ = false;
        return;
      }
      if (queue_.empty()) {
        writing_ = false;
      } else {
        start = writer_;
        next = &queue_.front();
      }
    }
    if (next != nullptr) start->Write(*next);
  }

  // The reactor's OnDone: the writer is gone.
  void OnDone() {
    absl::MutexLock lock(&mu_);
    writer_ = nullptr;
  }

 private:
  const OutboxLimits limits_;
  absl::Mutex mu_;
  std::deque<Msg> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  StreamWriter<Msg>* writer_ ABSL_GUARDED_BY(mu_);
};

}  // namespace manychip::internal
