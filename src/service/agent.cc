#include "manychip/service/agent.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "manychip/codec/json.h"
#include "manychip/service/leader_targets.h"
#include "manychip/status.h"
#include "manychip/v1/agent.grpc.pb.h"
#include "spdlog/spdlog.h"
#include "src/service/backoff.h"
#include "src/service/grpc_status.h"
#include "src/service/task_outcome.h"
#include "src/service/task_runner.h"

namespace manychip {
namespace {

using Stream = grpc::ClientReaderWriter<v1::AgentMessage, v1::ControllerMessage>;

bool Fatal(absl::StatusCode c) {
  return c == absl::StatusCode::kPermissionDenied || c == absl::StatusCode::kUnauthenticated ||
         c == absl::StatusCode::kInvalidArgument || c == absl::StatusCode::kFailedPrecondition;
}

class GrpcAgent final : public Agent {
 public:
  GrpcAgent(AgentOptions o, LeaderTargets targets, std::shared_ptr<grpc::ChannelCredentials> creds,
            grpc::ChannelArguments args)
      : options_(std::move(o)),
        targets_(std::move(targets)),
        creds_(std::move(creds)),
        args_(std::move(args)),
        backoff_(options_.backoff_initial, options_.backoff_max,
                 options_.seed != 0 ? options_.seed : absl::HashOf(options_.inventory.name()) | 1),
        drop_launches_left_(options_.test_drop_launches),
        runner_(options_.workdir, [this](const v1::TaskEvent& ev) { OnTaskEvent(ev); }) {}

  ~GrpcAgent() override { Shutdown(); }

  absl::Status Run() override {
    const std::string& node = options_.inventory.name();
    while (!ShuttingDown()) {
      const absl::Status s = RunOnce();
      if (ShuttingDown()) break;
      if (Fatal(s.code())) {
        spdlog::error("node {}: the daemon refused this agent: {}", node, s.ToString());
        runner_.StopAll(options_.stop_grace);
        return s;
      }
      // HA: a standby names the leader; go there at once. Otherwise try
      // the next address of --server after the backoff.
      const std::string from = targets_.current();
      targets_.Failed(hint_);
      // Two standbys naming each other while the election settles must not
      // spin: only the first hint in a row skips the backoff.
      const bool follow = !hint_.empty() && targets_.current() == hint_ && !followed_;
      followed_ = follow;
      hint_.clear();
      if (follow) backoff_.Reset();
      const absl::Duration wait = follow ? absl::ZeroDuration() : backoff_.Next();
      spdlog::warn("node {}: disconnected from {} ({}); reconnecting to {} in {}", node, from,
                   s.ToString(), targets_.current(), absl::FormatDuration(wait));
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&shutdown_), wait);
    }
    runner_.StopAll(options_.stop_grace);
    return absl::OkStatus();
  }

  void Shutdown() override {
    absl::MutexLock lock(&mu_);
    shutdown_ = true;
    if (ctx_ != nullptr) ctx_->TryCancel();
  }

  void ReportDeviceHealth(int32_t device, bool healthy, const std::string& reason) override {
    v1::AgentMessage m;
    m.mutable_device_health()->set_device_index(device);
    m.mutable_device_health()->set_health(healthy ? v1::HEALTHY : v1::UNHEALTHY);
    m.mutable_device_health()->set_reason(reason);
    absl::MutexLock lock(&mu_);
    // Health of the inventory also changes what a re-registration reports.
    for (v1::Device& d : *options_.inventory.mutable_devices()) {
      if (d.index() == device) {
        d.set_health(healthy ? v1::HEALTHY : v1::UNHEALTHY);
        d.set_health_reason(reason);
      }
    }
    SendLocked(m);
  }

 private:
  bool ShuttingDown() {
    absl::MutexLock lock(&mu_);
    return shutdown_;
  }

  void AddAuth(grpc::ClientContext& ctx) const {
    if (!options_.token.empty()) ctx.AddMetadata("authorization", "Bearer " + options_.token);
  }

  absl::Status RunOnce() {
    v1::RegisterRequest req;
    req.set_api_version("v1");
    req.set_agent_version("manychip-agent/0.1");
    {
      absl::MutexLock lock(&mu_);
      *req.mutable_node() = options_.inventory;
    }
    // Running tasks and kept outcomes at one moment, so no task is in
    // neither; the daemon applies the outcomes before it reconciles.
    internal::TaskRunner::Report report = runner_.Snapshot();
    std::set<std::pair<std::string, int32_t>> registered;
    for (v1::RunningTask& t : report.running) *req.add_running() = std::move(t);
    for (v1::TaskEvent& ev : report.finished) {
      registered.emplace(ev.task_id(), ev.attempt());
      *req.add_finished() = std::move(ev);
    }
    v1::RegisterResponse resp;
    {
      grpc::ClientContext ctx;
      AddAuth(ctx);
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      // With several replicas a dead one must not hold the agent for the
      // whole deadline: the next one may lead.
      ctx.set_wait_for_ready(targets_.all().size() == 1);
      stub_ = StubFor(targets_.current());
      const grpc::Status st = stub_->Register(&ctx, req, &resp);
      if (!st.ok()) hint_ = LeaderHint(ctx);
      MC_RETURN_IF_ERROR(internal::FromGrpcStatus(st));
    }
    const absl::Time session_start = absl::Now();
    grpc::ClientContext ctx;
    AddAuth(ctx);
    std::unique_ptr<Stream> stream = stub_->Session(&ctx);
    {
      absl::MutexLock lock(&mu_);
      if (shutdown_) return absl::CancelledError("shutting down");
      ctx_ = &ctx;
      stream_ = stream.get();
      v1::AgentMessage hello;
      hello.mutable_hello()->set_node(options_.inventory.name());
      hello.mutable_hello()->set_session_id(resp.session_id());
      stream_->Write(hello);
      // Events that happened while disconnected. Outcomes come from the
      // runner's ledger: those kept since the Register went out.
      std::deque<v1::AgentMessage> pending = std::move(pending_);
      pending_.clear();
      for (const v1::AgentMessage& m : pending) SendLocked(m);
      for (const v1::TaskEvent& ev : runner_.Snapshot().finished) {
        if (registered.contains({ev.task_id(), ev.attempt()})) continue;
        v1::AgentMessage m;
        *m.mutable_task_event() = ev;
        SendLocked(m);
      }
    }
    spdlog::info("node {}: registered, session {}", options_.inventory.name(), resp.session_id());
    std::thread heartbeat([this, interval = absl::Milliseconds(resp.heartbeat_interval_ms())] {
      HeartbeatLoop(interval > absl::ZeroDuration() ? interval : absl::Seconds(5));
    });
    v1::ControllerMessage msg;
    while (stream->Read(&msg)) {
      if (msg.has_launch()) {
        if (drop_launches_left_ > 0) {
          --drop_launches_left_;
          spdlog::warn("test hook: dropping the launch of {} attempt {}", msg.launch().task_id(),
                       msg.launch().attempt());
          continue;
        }
        runner_.Launch(msg.launch());
      } else if (msg.has_stop()) {
        runner_.Stop(msg.stop().task_id(), absl::Milliseconds(msg.stop().grace_ms()));
      } else if (msg.has_ack()) {
        for (const v1::TaskEventAck::Outcome& o : msg.ack().outcomes()) {
          runner_.Acknowledge(o.task_id(), o.attempt());
        }
      }
    }
    {
      absl::MutexLock lock(&mu_);
      stream_ = nullptr;
      ctx_ = nullptr;
      session_over_ = true;
    }
    heartbeat.join();
    {
      absl::MutexLock lock(&mu_);
      session_over_ = false;
    }
    grpc::Status st = stream->Finish();
    if (!st.ok()) hint_ = LeaderHint(ctx);
    // A session that lasted was a healthy connection: start backing off anew.
    if (absl::Now() - session_start > absl::Seconds(10)) backoff_.Reset();
    if (st.ok()) return absl::UnavailableError("the daemon ended the session");
    return internal::FromGrpcStatus(st);
  }

  void HeartbeatLoop(absl::Duration interval) {
    int64_t seq = 0;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        auto over = [this]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return session_over_ || shutdown_; };
        if (mu_.AwaitWithTimeout(absl::Condition(&over), interval)) return;
      }
      v1::AgentMessage m;
      m.mutable_heartbeat()->set_seq(++seq);
      for (v1::RunningTask& t : runner_.Running())
        *m.mutable_heartbeat()->add_running() = std::move(t);
      absl::MutexLock lock(&mu_);
      if (stream_ == nullptr) return;
      stream_->Write(m);
    }
  }

  void OnTaskEvent(const v1::TaskEvent& ev) {
    v1::AgentMessage m;
    *m.mutable_task_event() = ev;
    absl::MutexLock lock(&mu_);
    SendLocked(m);
  }

  // Writes now, or keeps STARTED events and health for the next session.
  // Outcomes need no copy here: the runner keeps them until acknowledged
  // and every new session resends them (agent.proto, "Failure handling").
  void SendLocked(const v1::AgentMessage& m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (stream_ != nullptr && stream_->Write(m)) return;
    const bool outcome = m.has_task_event() && internal::IsTaskOutcome(m.task_event());
    if ((m.has_task_event() && !outcome) || m.has_device_health()) pending_.push_back(m);
  }

  // One channel per address, made on first use (Run thread only).
  v1::AgentGateway::Stub* StubFor(const std::string& address) {
    std::unique_ptr<v1::AgentGateway::Stub>& stub = stubs_[address];
    if (stub == nullptr) {
      stub = v1::AgentGateway::NewStub(grpc::CreateCustomChannel(address, creds_, args_));
    }
    return stub.get();
  }

  AgentOptions options_;
  LeaderTargets targets_;  // Run thread only
  const std::shared_ptr<grpc::ChannelCredentials> creds_;
  const grpc::ChannelArguments args_;
  std::map<std::string, std::unique_ptr<v1::AgentGateway::Stub>> stubs_;
  v1::AgentGateway::Stub* stub_ = nullptr;  // the current session's
  std::string hint_;                        // the last failure's leader hint
  bool followed_ = false;                   // the last reconnect followed a hint
  internal::Backoff backoff_;
  int32_t drop_launches_left_;  // Run thread only

  absl::Mutex mu_;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  bool session_over_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* ctx_ ABSL_GUARDED_BY(mu_) = nullptr;
  Stream* stream_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::deque<v1::AgentMessage> pending_ ABSL_GUARDED_BY(mu_);

  // Last: its thread delivers events into the members above.
  internal::TaskRunner runner_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Agent>> Agent::Create(const AgentOptions& o) {
  if (o.server.empty()) return absl::InvalidArgumentError("--server: required");
  if (o.inventory.name().empty()) return absl::InvalidArgumentError("--node: required");
  if (o.workdir.empty()) return absl::InvalidArgumentError("--workdir: required");
  if ((o.tls_cert.empty()) != (o.tls_key.empty())) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key: give both or neither");
  }
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (!o.tls_ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    MC_ASSIGN_OR_RETURN(ssl.pem_root_certs, codec::ReadFile(o.tls_ca));
    if (!o.tls_cert.empty()) {
      MC_ASSIGN_OR_RETURN(ssl.pem_cert_chain, codec::ReadFile(o.tls_cert));
      MC_ASSIGN_OR_RETURN(ssl.pem_private_key, codec::ReadFile(o.tls_key));
    }
    creds = grpc::SslCredentials(ssl);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  // Notice a dead daemon within seconds even when no task event is due.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Our own Backoff paces reconnects; gRPC's channel backoff (up to 120 s)
  // would otherwise keep failing calls fast long after the daemon is back.
  const int max_ms = static_cast<int>(absl::ToInt64Milliseconds(o.backoff_max));
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, std::max(100, max_ms));
  MC_ASSIGN_OR_RETURN(LeaderTargets targets, LeaderTargets::Parse(o.server));
  return std::unique_ptr<Agent>(
      new GrpcAgent(o, std::move(targets), std::move(creds), std::move(args)));
}

}  // namespace manychip
