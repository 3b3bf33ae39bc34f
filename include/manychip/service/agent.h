#pragma once

// Agent: the node agent runtime behind `manychip-agent`. It dials manychipd,
// registers the node's inventory, holds one Session stream (heartbeats,
// device health, task events out; LaunchTask/StopTask in) and runs tasks as
// child processes through a TaskRunner. When the stream breaks it keeps its
// tasks running and reconnects with exponential backoff and jitter,
// reporting the tasks it still runs so the daemon reconciles instead of
// relaunching.
//
// Ownership: the Agent owns its channel, runner and threads; Shutdown()
// stops the tasks (SIGTERM, then SIGKILL) and makes Run() return.
//
// Thread-safety: Run() on one thread; Shutdown() and ReportDeviceHealth()
// from any thread.
//
//   AgentOptions o{.server = "127.0.0.1:7070", .workdir = "/tmp/agent"};
//   o.inventory = node_proto;            // v1::Node: name, arch, devices, ...
//   MC_ASSIGN_OR_RETURN(std::unique_ptr<Agent> agent, Agent::Create(o));
//   absl::Status s = agent->Run();        // returns after Shutdown() or a fatal error

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "manychip/v1/types.pb.h"

namespace manychip {

struct AgentOptions {
  // host:port of manychipd, or a list "A,B,C" of replicas (HA): the agent
  // follows a standby's `manychip-leader` hint, else tries the next one.
  std::string server;
  v1::Node inventory;    // what the agent registers (name included)
  std::string workdir;   // task output files go under <workdir>/tasks
  std::string token;     // per-node token, sent as a bearer token
  std::string tls_ca;    // PEM paths; tls_ca set = TLS
  std::string tls_cert;  // with tls_key: client certificate (mTLS)
  std::string tls_key;
  absl::Duration backoff_initial = absl::Milliseconds(200);
  absl::Duration backoff_max = absl::Seconds(10);
  absl::Duration stop_grace = absl::Seconds(10);  // on Shutdown
  uint64_t seed = 0;                              // jitter seed; 0 = from the node name
  // Test hook: the first N LaunchTask messages are ignored, as if lost, so
  // tests can watch the daemon resend them.
  int32_t test_drop_launches = 0;
};

class Agent {
 public:
  static absl::StatusOr<std::unique_ptr<Agent>> Create(const AgentOptions& options);
  virtual ~Agent() = default;

  // Connects, serves and reconnects until Shutdown(). Returns ok after
  // Shutdown(), or the error that makes retrying pointless (the daemon
  // refused this node's identity or inventory: PERMISSION_DENIED,
  // UNAUTHENTICATED, INVALID_ARGUMENT, FAILED_PRECONDITION).
  virtual absl::Status Run() = 0;
  virtual void Shutdown() = 0;
  // Reports a device health change (the inventory's device index).
  virtual void ReportDeviceHealth(int32_t device, bool healthy, const std::string& reason) = 0;
};

}  // namespace manychip
