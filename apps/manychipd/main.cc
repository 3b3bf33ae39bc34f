// manychipd: the manychip scheduler daemon.
//
//   manychipd --listen 127.0.0.1:7070 --state manychip.db --catalog devices.json
//
// With --state etcd://... several replicas share one state and elect a
// leader (docs/ha.md):
//
//   manychipd --listen 127.0.0.1:7070 --advertise 127.0.0.1:7070
//             --state etcd://127.0.0.1:2379/prod --leader_lease 10s
//
// Exit status: 0 after SIGINT/SIGTERM, 1 if it cannot start (the reason is
// logged), 2 on bad flags, 3 when a replica that led was deposed (its lease
// expired or a fenced write was refused); restart it and it is a standby.

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "apps/common/binary_setup.h"
#include "apps/common/command_line.h"
#include "apps/common/data_files.h"
#include "apps/common/shutdown_signal.h"
#include "manychip/codec/profile.h"
#include "manychip/service/server.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:7070", "address to serve on (port 0 = any free port)");
ABSL_FLAG(std::string, state, "manychip.db",
          "SQLite state file, :memory:, or etcd://HOST:PORT[,HOST:PORT...][/PREFIX]");
ABSL_FLAG(std::string, advertise, "",
          "etcd state (HA): the address clients and agents use for this replica; standbys "
          "name it as the leader (empty: --listen's host and bound port)");
ABSL_FLAG(absl::Duration, leader_lease, absl::Seconds(10),
          "etcd state (HA): the leader's lease, whole seconds; a dead leader is replaced "
          "after about this long");
ABSL_FLAG(bool, test_ignore_lease_loss, false,
          "tests only: a leader does not step down when its lease expired, so only its fenced "
          "writes can depose it");
ABSL_FLAG(std::string, catalog, "",
          "device catalog JSON (empty: catalog/devices.json in the data dir, "
          "$MANYCHIP_DATA_DIR or ../share/manychip beside the binary)");
ABSL_FLAG(std::string, adapter_dir, "", "directory of third-party adapter .so files (C ABI)");
ABSL_FLAG(std::string, profile, "", "scheduler profile JSON (default profile if empty)");
ABSL_FLAG(std::string, port_file, "", "write the bound port here once serving");
ABSL_FLAG(std::string, http_listen, "",
          "status listener for /metrics, /healthz, /readyz and the dashboard at / "
          "(loopback only, e.g. 127.0.0.1:9090; port 0 = any free port); empty = off");
ABSL_FLAG(std::string, http_port_file, "", "write the status listener's bound port here");
ABSL_FLAG(int64_t, seed, 42, "scheduler seed");
ABSL_FLAG(absl::Duration, heartbeat_interval, absl::Seconds(5), "agent heartbeat interval");
ABSL_FLAG(absl::Duration, node_grace, absl::Seconds(40),
          "no heartbeat for this long: node NotReady, its tasks fail over");
ABSL_FLAG(absl::Duration, cycle_interval, absl::Milliseconds(200), "scheduling tick");
ABSL_FLAG(absl::Duration, stop_grace, absl::Seconds(10), "SIGTERM -> SIGKILL on task stop");
ABSL_FLAG(int32_t, max_evictions_per_minute, 10,
          "unhealthy-device evictions allowed per minute (flapping guard)");
ABSL_FLAG(absl::Duration, launch_ack_timeout, absl::Seconds(10),
          "a launch without a task event for this long is sent again");
ABSL_FLAG(int32_t, launch_max_sends, 3, "unacknowledged launch sends before the job fails over");
ABSL_FLAG(absl::Duration, launch_failure_hold, absl::Minutes(2),
          "a node that never acknowledged a launch takes no new work for this long");
ABSL_FLAG(int32_t, max_message_bytes, 4 << 20, "largest accepted request");
ABSL_FLAG(bool, accept_compressed_requests, false,
          "accept gzip/deflate requests; their inflated size is then unbounded (gRPC 1.51 "
          "applies --max_message_bytes to the compressed size), so trusted clients only");
ABSL_FLAG(absl::Duration, hello_timeout, absl::Seconds(10),
          "an agent stream without a hello for this long is ended");
ABSL_FLAG(int64_t, max_job_bytes, 1 << 20,
          "a job's strings together (names, command, args, env, labels)");
ABSL_FLAG(int64_t, max_job_field_bytes, 64 << 10,
          "one command, argument, env value or label value of a job");
ABSL_FLAG(int64_t, max_job_entries, 1024,
          "entries of one list or map in a job (args, env, labels, task groups, flavors)");
ABSL_FLAG(int64_t, watch_max_queued_bytes, 256 << 10,
          "a WatchJobs client with more unsent event bytes than this is cut (too slow)");
ABSL_FLAG(int32_t, watch_max_per_caller, 256,
          "WatchJobs streams one caller (tenant or admin) may hold open");
ABSL_FLAG(std::string, missing_adapter, "warn",
          "a node with devices of a vendor no loaded adapter serves: warn (admit it with a "
          "warning log, a node.missing_adapter event and NodeStatus.warnings; placements use "
          "the generic device choice) or refuse (its Register fails naming the vendor)");
ABSL_FLAG(std::string, tenant_quotas, "",
          "JSON file {\"tenants\": [{\"tenant\": ..., \"guaranteed\": {...}, \"max\": {...}}]}: "
          "per-tenant quotas (keys cpu, memory, devices, h20e, device:<model>, vendor:<vendor>), "
          "exported as manychip_tenant_quota_* gauges; empty = none");
ABSL_FLAG(std::string, tls_cert, "", "server certificate (PEM)");
ABSL_FLAG(std::string, tls_key, "", "server key (PEM)");
ABSL_FLAG(std::string, tls_client_ca, "", "CA for client certificates: set = mutual TLS");
ABSL_FLAG(std::string, tenant_tokens, "", "JSON file {token: tenant}");
ABSL_FLAG(std::string, node_tokens, "", "JSON file {token: node name}");
ABSL_FLAG(std::string, admin_token_file, "", "file holding the admin token");
ABSL_FLAG(bool, allow_open_agent_gateway, false,
          "start with client tokens although neither --node_tokens nor --tls_client_ca "
          "protects the agent gateway");

namespace {

int Fail(const absl::Status& s, int code) {
  spdlog::error("manychipd: {}", s.ToString());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  manychip::SetUpBinary("manychipd", "manychip scheduler daemon");
  manychip::NormalizeDashedFlags(argc, argv);
  absl::ParseCommandLine(argc, argv);
  manychip::ServerOptions o;
  o.adapter_dir = absl::GetFlag(FLAGS_adapter_dir);
  o.listen = absl::GetFlag(FLAGS_listen);
  o.state_path = absl::GetFlag(FLAGS_state);
  o.advertise = absl::GetFlag(FLAGS_advertise);
  o.leader_lease = absl::GetFlag(FLAGS_leader_lease);
  o.test_ignore_lease_loss = absl::GetFlag(FLAGS_test_ignore_lease_loss);
  o.http_listen = absl::GetFlag(FLAGS_http_listen);
  auto catalog = manychip::FlagOrDataFile(absl::GetFlag(FLAGS_catalog), "catalog/devices.json");
  if (!catalog.ok()) return Fail(catalog.status(), 2);
  o.catalog_path = *std::move(catalog);
  spdlog::info("manychipd: catalog {}", o.catalog_path);
  if (const std::string f = absl::GetFlag(FLAGS_profile); !f.empty()) {
    auto p = manychip::codec::LoadProfileFile(f);
    if (!p.ok()) return Fail(p.status(), 2);
    o.profile = *std::move(p);
  }
  o.seed = static_cast<uint64_t>(absl::GetFlag(FLAGS_seed));
  o.heartbeat_interval = absl::GetFlag(FLAGS_heartbeat_interval);
  o.node_grace = absl::GetFlag(FLAGS_node_grace);
  o.cycle_interval = absl::GetFlag(FLAGS_cycle_interval);
  o.stop_grace = absl::GetFlag(FLAGS_stop_grace);
  o.max_evictions_per_minute = absl::GetFlag(FLAGS_max_evictions_per_minute);
  o.launch_ack_timeout = absl::GetFlag(FLAGS_launch_ack_timeout);
  o.launch_max_sends = absl::GetFlag(FLAGS_launch_max_sends);
  o.launch_failure_hold = absl::GetFlag(FLAGS_launch_failure_hold);
  o.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  o.accept_compressed_requests = absl::GetFlag(FLAGS_accept_compressed_requests);
  o.hello_timeout = absl::GetFlag(FLAGS_hello_timeout);
  o.job_limits.max_job_bytes = absl::GetFlag(FLAGS_max_job_bytes);
  o.job_limits.max_field_bytes = absl::GetFlag(FLAGS_max_job_field_bytes);
  o.job_limits.max_entries = absl::GetFlag(FLAGS_max_job_entries);
  o.watch_max_queued_bytes = absl::GetFlag(FLAGS_watch_max_queued_bytes);
  o.watch_max_per_caller = absl::GetFlag(FLAGS_watch_max_per_caller);
  o.missing_adapter = absl::GetFlag(FLAGS_missing_adapter);
  o.tenant_quotas_path = absl::GetFlag(FLAGS_tenant_quotas);
  o.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  o.tls_key = absl::GetFlag(FLAGS_tls_key);
  o.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  if (const std::string f = absl::GetFlag(FLAGS_tenant_tokens); !f.empty()) {
    auto t = manychip::LoadTokenFile(f);
    if (!t.ok()) return Fail(t.status(), 2);
    o.tenant_tokens = *std::move(t);
  }
  if (const std::string f = absl::GetFlag(FLAGS_node_tokens); !f.empty()) {
    auto t = manychip::LoadTokenFile(f);
    if (!t.ok()) return Fail(t.status(), 2);
    o.node_tokens = *std::move(t);
  }
  if (const std::string f = absl::GetFlag(FLAGS_admin_token_file); !f.empty()) {
    std::ifstream in(f);
    if (!in || !std::getline(in, o.admin_token) || o.admin_token.size() < 16) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
                      "--admin_token_file ", f, ": needs one line with a token of >= 16 chars")),
                  2);
    }
  }

  o.allow_open_agent_gateway = absl::GetFlag(FLAGS_allow_open_agent_gateway);

  manychip::BlockShutdownSignals();

  auto server = manychip::Server::Start(o);
  if (!server.ok()) return Fail(server.status(), 1);
  manychip::Server* s = server->get();
  // Readers never see a half-written port file: each is renamed into place.
  for (const auto& [f, port] :
       {std::pair{absl::GetFlag(FLAGS_port_file), (*server)->port()},
        std::pair{absl::GetFlag(FLAGS_http_port_file), (*server)->http_port()}}) {
    if (f.empty()) continue;
    const std::string tmp = f + ".tmp";
    {
      std::ofstream out(tmp);
      out << port << "\n";
    }
    std::rename(tmp.c_str(), f.c_str());
  }
  manychip::OnShutdownSignal([s](int sig) {
    spdlog::info("manychipd: signal {}, shutting down", sig);
    s->Shutdown();
  });
  s->Wait();
  server->reset();
  spdlog::info("manychipd: stopped");
  return 0;
}
