#pragma once

// Builds what a Server runs on — catalog, adapters, clock, store, scheduler
// core and Controller — from ServerOptions, with the state restored. Kept
// apart from the gRPC edge so tests can drive a Controller without a socket.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "manychip/adapters/adapter_registry.h"
#include "manychip/clock.h"
#include "manychip/core/catalog.h"
#include "manychip/service/server.h"
#include "src/metrics/daemon_metrics.h"
#include "src/service/controller.h"
#include "src/service/controller_thread.h"

namespace manychip::internal {

// Members are destroyed bottom-up: the thread (joined) goes before the
// controller whose work it runs, and the controller (and the scheduler in
// it) before the registry, clock and metrics it points to.
struct ServerParts {
  std::shared_ptr<const Catalog> catalog;
  std::unique_ptr<AdapterRegistry> registry;
  std::unique_ptr<RealClock> clock;
  // Always counted; the scheduler's attempt hook only with http_listen.
  std::unique_ptr<metrics::DaemonMetrics> metrics;
  std::unique_ptr<Controller> controller;
  std::unique_ptr<ControllerThread> thread;  // not started
};

// One replica's term as the leader of an etcd state (replica.h): the server
// it starts opens the store fenced by the term's token, and pauses while
// etcd cannot confirm the leadership. Absent for a manychipd on SQLite,
// which always leads.
struct LeaderTerm {
  std::function<absl::StatusOr<std::unique_ptr<StateStore>>()> open_store;
  // False: no scheduling cycles, SubmitJob answers UNAVAILABLE.
  std::function<bool()> confirmed;
  std::string advertise;  // this replica's address, for GetLeader
  int64_t token = 0;      // the fencing token
};

absl::StatusOr<std::unique_ptr<ServerParts>> BuildServerParts(const ServerOptions& options,
                                                              const LeaderTerm* term = nullptr);

// The Scheduler and AgentGateway services on `options.listen`, for a
// manychipd that leads: always on SQLite, for its term on etcd.
absl::StatusOr<std::unique_ptr<Server>> StartLeaderServer(const ServerOptions& options,
                                                          std::shared_ptr<const LeaderTerm> term);

// A replica of an etcd state: standby until it wins the election, then
// the leader server (replica.cc).
absl::StatusOr<std::unique_ptr<Server>> StartReplica(const ServerOptions& options);

}  // namespace manychip::internal
