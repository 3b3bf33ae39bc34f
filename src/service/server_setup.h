#pragma once

// Builds what a Server runs on — catalog, adapters, clock, store, scheduler
// core and Controller — from ServerOptions, with the state restored. Kept
// apart from the gRPC edge so tests can drive a Controller without a socket.

#include <memory>

#include "absl/status/statusor.h"
#include "manychip/adapters/adapter_registry.h"
#include "manychip/clock.h"
#include "manychip/core/catalog.h"
#include "manychip/service/server.h"
#include "src/service/controller.h"
#include "src/service/controller_thread.h"

namespace manychip::internal {

// Members are destroyed bottom-up: the thread (joined) goes before the
// controller whose work it runs, and the controller (and the scheduler in
// it) before the registry and clock it points to.
struct ServerParts {
  std::shared_ptr<const Catalog> catalog;
  std::unique_ptr<AdapterRegistry> registry;
  std::unique_ptr<RealClock> clock;
  std::unique_ptr<Controller> controller;
  std::unique_ptr<ControllerThread> thread;  // not started
};

absl::StatusOr<std::unique_ptr<ServerParts>> BuildServerParts(const ServerOptions& options);

}  // namespace manychip::internal
