#pragma once

// `manychipctl events [JOB] [--follow] [--since SEQ]`: the daemon's event
// log, paged through ListEvents, then (--follow) streamed by WatchEvents
// from where the pages ended, so nothing is missed or shown twice.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "grpcpp/client_context.h"
#include "manychip/v1/scheduler.grpc.pb.h"

namespace manychipctl {

struct EventsOptions {
  std::string job_id;  // empty: every event the caller may see
  int64_t since = 0;   // events with seq > since
  bool follow = false;
  bool json = false;  // one JSON object per line instead of the table
};

struct EventsCalls {
  manychip::v1::Scheduler::Stub* stub;
  // A context with the caller's token; `deadline` false for the stream.
  std::function<std::unique_ptr<grpc::ClientContext>(bool deadline)> context;
  // Prints a server error; returns the exit code.
  std::function<int(const grpc::Status&)> server_error;
};

int RunEvents(const EventsCalls& calls, const EventsOptions& options);

}  // namespace manychipctl
