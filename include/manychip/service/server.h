#pragma once

// Server: manychipd embedded as a library — the gRPC Scheduler and
// AgentGateway services over one scheduling core and one StateStore.
//
// Threading: gRPC callback threads parse and validate requests, then post
// to the core's single "scheduler" thread, which owns the Scheduler, the
// node sessions and the store; they never block on it (docs/design/style.md §7).
//
// Security: with `tls_cert`/`tls_key` the server speaks TLS, with
// `tls_client_ca` it requires client certificates (mTLS; a node's
// certificate must name the node). Without TLS it refuses any listen
// address other than loopback. Tokens (all optional; none = open loopback
// mode where every caller is admin):
//  - tenant tokens: the caller sees and changes only that tenant's jobs;
//  - the admin token: everything, plus DrainNode/UncordonNode/ListNodes;
//  - node tokens: an agent may only register and speak as its own node.
// Client tokens with neither node tokens nor mTLS are refused at Start
// unless `allow_open_agent_gateway`; the log says which surfaces are open.
//
// Ownership: Server owns everything it creates; Shutdown() stops the
// services, ends agent sessions and joins the core thread.
//
//   ServerOptions o;
//   o.listen = "127.0.0.1:0";
//   o.state_path = "/tmp/manychip.db";
//   o.catalog_path = "examples/catalog/devices.json";
//   MC_ASSIGN_OR_RETURN(std::unique_ptr<Server> server, Server::Start(o));
//   printf("port %d\n", server->port());
//   server->Wait();   // until Shutdown() from another thread or a signal handler

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "manychip/core/job_limits.h"
#include "manychip/core/profile.h"

namespace manychip {

struct ServerOptions {
  std::string listen = "127.0.0.1:7070";
  std::string state_path;                  // SQLite file; ":memory:" for a throwaway state
  std::string catalog_path;                // v1::Catalog JSON
  std::string adapter_dir;                 // third-party adapter .so files (C ABI); empty = none
  ProfileSpec profile = DefaultProfile();  // manychipd reads --profile into this
  uint64_t seed = 42;

  absl::Duration heartbeat_interval = absl::Seconds(5);
  absl::Duration node_grace = absl::Seconds(40);  // no heartbeat this long: NotReady
  absl::Duration cycle_interval = absl::Milliseconds(200);
  absl::Duration stop_grace = absl::Seconds(10);  // SIGTERM -> SIGKILL on the agent
  // Device isolations that may evict tasks, per minute; more wait their turn
  // (and are dropped if the device recovers first).
  int32_t max_evictions_per_minute = 10;
  // A launch the agent does not acknowledge within the timeout is sent again
  // (same task id and attempt); after launch_max_sends sends, failed over.
  absl::Duration launch_ack_timeout = absl::Seconds(10);
  int32_t launch_max_sends = 3;
  // The node of a launch failed over that way takes no new work for this
  // long, unless a task event or a new session proves launches arrive.
  absl::Duration launch_failure_hold = absl::Minutes(2);
  int32_t max_message_bytes = 4 << 20;
  // gRPC 1.51 applies max_message_bytes to a request's compressed size and
  // inflates it whole first: a 2 MB gzip request grew to 2 GB. So compressed
  // requests are refused (UNIMPLEMENTED "Compression algorithm 'gzip' is
  // disabled") before any is inflated, unless this is set, and then nothing
  // bounds the inflated size; set it only for trusted clients.
  bool accept_compressed_requests = false;
  // An agent stream that sends no hello for this long is ended
  // (DEADLINE_EXCEEDED); gRPC would keep it open forever.
  absl::Duration hello_timeout = absl::Seconds(10);
  // Per-job size limits at submit (job_limits.h).
  JobLimits job_limits;
  // A WatchJobs client whose unsent events (encoded) would pass this many
  // bytes is cut with ResourceExhausted; it reconnects and gets the current
  // state again. Bounds a slow watcher's memory.
  int64_t watch_max_queued_bytes = 256 << 10;
  // WatchJobs streams one caller (a tenant token, or the admin; in open
  // mode every caller is the admin) may hold; more are refused with
  // ResourceExhausted.
  int32_t watch_max_per_caller = 256;
  // A node reporting devices of a vendor no loaded adapter serves:
  // "warn" (default) admits it with a warning (log, node.missing_adapter
  // event, NodeStatus.warnings) and places with the generic device choice;
  // "refuse" fails its Register with FAILED_PRECONDITION naming the vendor.
  std::string missing_adapter = "warn";
  // A JSON file {"tenants": [v1.TenantQuota, ...]} (the `tenants` of a
  // v1.Cluster): each tenant's guaranteed and max per resource key. Empty =
  // no quotas. Exported as manychip_tenant_quota_* gauges.
  std::string tenant_quotas_path;

  // TLS (PEM file paths); all empty = plaintext, loopback only.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;  // set = mutual TLS

  std::map<std::string, std::string> tenant_tokens;  // token -> tenant
  std::map<std::string, std::string> node_tokens;    // token -> node name
  std::string admin_token;
  // With client tokens the agent gateway must be closed too (node tokens or
  // mTLS): an open gateway lets any process register a node and receive
  // tenants' launches, env and secrets included. Start refuses that
  // combination unless this says it is meant.
  bool allow_open_agent_gateway = false;

  // HA on an etcd state (docs/ha.md). With `state_path` etcd://..., every
  // manychipd is a replica: it campaigns for the leader key PREFIX/leader
  // (lease `leader_lease`, whole seconds), and only the leader loads the
  // state, schedules and accepts writes; a standby answers every call
  // UNAVAILABLE with the leader's address in the trailing metadata key
  // `manychip-leader`. A leader that loses its lease or whose fenced write is
  // refused exits at once with status 3 (kDeposedExitStatus), so nothing of
  // its term acts again; run it under a supervisor that restarts it, and it
  // comes back as a standby. On SQLite these are unused: it always leads.
  // The address clients and agents use; empty = listen's host and bound port.
  std::string advertise;
  absl::Duration leader_lease = absl::Seconds(10);
  // Tests only: a lease the renewal finds expired is logged, not acted on,
  // so only the fence can depose this leader (tests/integration/ha_test.cc
  // proves the fence end to end that way).
  bool test_ignore_lease_loss = false;

  // The status listener: /metrics (Prometheus), /healthz, /readyz and the
  // dashboard at /. Empty = none. Plaintext and unauthenticated, so
  // loopback only ("127.0.0.1:9090"; port 0 = any free port).
  std::string http_listen;
};

// The exit status of a replica deposed while it led (see `advertise`).
inline constexpr int kDeposedExitStatus = 3;

// Reads a token file: JSON object {"<token>": "<tenant or node name>", ...}.
absl::StatusOr<std::map<std::string, std::string>> LoadTokenFile(const std::string& path);

class Server {
 public:
  // Validates the options, opens the store, restores its state and starts
  // listening. InvalidArgument for bad options (naming the flag),
  // FailedPrecondition / DataLoss from the store, Unavailable if the port
  // cannot be bound.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options);
  virtual ~Server() = default;

  // The bound port (useful with port 0).
  virtual int port() const = 0;
  // The status listener's bound port; 0 without `http_listen`.
  virtual int http_port() const = 0;
  // Blocks until Shutdown() is called.
  virtual void Wait() = 0;
  // Idempotent; safe from any thread except a gRPC callback.
  virtual void Shutdown() = 0;
};

}  // namespace manychip
