// A manychipd replica on an etcd state (HA, docs/ha.md): standby or leader.
//
// A standby serves one generic gRPC service on the listen address that
// answers every call (Scheduler, AgentGateway, anything else) UNAVAILABLE
// with the leader's advertised address in the trailing metadata key
// `manychip-leader`, and campaigns every lease/4 (at most 500 ms). Once
// elected it stops the standby service, opens the state fenced by its token
// (a deposed leader's writes then fail in etcd itself), restores it and
// serves the real services on the same port. A leader whose lease is gone
// or whose fenced write was refused exits with kDeposedExitStatus at once:
// no thread of the old term gets to launch or write anything after that.

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "manychip/codec/json.h"
#include "manychip/service/leader_targets.h"
#include "manychip/status.h"
#include "manychip/store/etcd_leadership.h"
#include "manychip/store/etcd_state_store.h"
#include "manychip/store/state_url.h"
#include "spdlog/spdlog.h"
#include "src/service/server_setup.h"

namespace manychip::internal {
namespace {

// Ends the process: the term is over, and nothing of it may act again.
[[noreturn]] void StepDown(const absl::Status& why) {
  spdlog::error(
      "manychipd: deposed, stepping down: {}; exiting with status {} (a supervisor restarts this "
      "replica as a standby)",
      why.ToString(), kDeposedExitStatus);
  spdlog::default_logger()->flush();
  _exit(kDeposedExitStatus);
}

class ReplicaServer final : public Server {
 public:
  ReplicaServer(ServerOptions o, StateLocation loc) : o_(std::move(o)), loc_(std::move(loc)) {}
  ~ReplicaServer() override { Shutdown(); }

  absl::Status Start() {
    const bool loopback = absl::StartsWith(o_.listen, "127.") ||
                          absl::StartsWith(o_.listen, "localhost:") ||
                          absl::StartsWith(o_.listen, "[::1]:");
    if (o_.tls_cert.empty() && !loopback) {
      return absl::InvalidArgumentError(
          absl::StrCat("--listen ", o_.listen,
                       ": without TLS manychipd listens on loopback only "
                       "(use 127.0.0.1:PORT or give --tls_cert/--tls_key)"));
    }
    MC_RETURN_IF_ERROR(StartStandby(o_.listen));
    const size_t colon = o_.listen.rfind(':');
    host_ = o_.listen.substr(0, colon);
    if (o_.advertise.empty()) o_.advertise = absl::StrCat(host_, ":", port_);
    MC_ASSIGN_OR_RETURN(election_, EtcdLeadership::Create({.endpoints = loc_.etcd.endpoints,
                                                           .key = loc_.etcd.prefix + "/leader",
                                                           .value = o_.advertise,
                                                           .lease = o_.leader_lease}));
    standby_service_->SetElection(election_.get());
    // The first round decides at startup, so an unreachable etcd is a
    // startup error and a lone or restarted replica leads at once.
    MC_ASSIGN_OR_RETURN(int64_t token, election_->TryAcquire());
    if (token > 0) {
      absl::Status s = Lead(token);
      if (!s.ok()) election_->Resign();
      return s;
    }
    spdlog::info("manychipd: standby on {} (advertised {}); leader is {}", o_.listen, o_.advertise,
                 election_->Observed());
    campaign_ = std::thread([this] { Campaign(); });
    return absl::OkStatus();
  }

  int port() const override { return port_; }
  int http_port() const override {
    absl::MutexLock lock(&mu_);
    return leader_ != nullptr ? leader_->http_port() : 0;
  }
  void Wait() override { done_.WaitForNotification(); }

  void Shutdown() override {
    {
      absl::MutexLock lock(&mu_);
      if (shut_down_) return;
      shut_down_ = true;
    }
    if (campaign_.joinable()) campaign_.join();
    std::unique_ptr<Server> leader;
    {
      absl::MutexLock lock(&mu_);
      leader = std::move(leader_);
    }
    if (leader != nullptr) leader->Shutdown();
    StopStandby();
    // A clean stop hands over at once instead of after the lease.
    if (election_ != nullptr) election_->Resign();
    done_.Notify();
  }

 private:
  // The standby's generic service needs the election, which needs the port.
  class Standby final : public grpc::CallbackGenericService {
   public:
    void SetElection(const EtcdLeadership* e) {
      absl::MutexLock lock(&mu_);
      election_ = e;
    }
    grpc::ServerGenericBidiReactor* CreateReactor(
        grpc::GenericCallbackServerContext* ctx) override {
      std::string leader;
      {
        absl::MutexLock lock(&mu_);
        if (election_ != nullptr) leader = election_->Observed();
      }
      class Refuse final : public grpc::ServerGenericBidiReactor {
       public:
        explicit Refuse(grpc::Status s) { Finish(s); }
        void OnDone() override { delete this; }
      };
      if (leader.empty()) {
        return new Refuse(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                       "manychipd standby: no replica leads yet; retry later"));
      }
      ctx->AddTrailingMetadata(kLeaderMetadataKey, leader);
      return new Refuse(
          grpc::Status(grpc::StatusCode::UNAVAILABLE,
                       absl::StrCat("manychipd standby: the leader is ", leader,
                                    " (trailing metadata ", kLeaderMetadataKey, ")")));
    }

   private:
    absl::Mutex mu_;
    const EtcdLeadership* election_ ABSL_GUARDED_BY(mu_) = nullptr;
  };

  absl::Status StartStandby(const std::string& listen) {
    std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
    if (!o_.tls_cert.empty() && !o_.tls_key.empty()) {
      // It only ever says where the leader is, so no client certificate.
      grpc::SslServerCredentialsOptions ssl(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
      MC_ASSIGN_OR_RETURN(std::string cert, codec::ReadFile(o_.tls_cert));
      MC_ASSIGN_OR_RETURN(std::string key, codec::ReadFile(o_.tls_key));
      ssl.pem_key_cert_pairs.push_back({key, cert});
      creds = grpc::SslServerCredentials(ssl);
    }
    standby_service_ = std::make_unique<Standby>();
    grpc::ServerBuilder b;
    b.AddListeningPort(listen, creds, &port_);
    b.RegisterCallbackGenericService(standby_service_.get());
    standby_ = b.BuildAndStart();
    if (standby_ == nullptr || port_ == 0) {
      return absl::UnavailableError(absl::StrCat("listen: cannot bind ", listen));
    }
    return absl::OkStatus();
  }

  void StopStandby() {
    if (standby_ == nullptr) return;
    standby_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    standby_->Wait();
    standby_.reset();
  }

  void Campaign() {
    const absl::Duration every =
        std::clamp(o_.leader_lease / 4, absl::Milliseconds(100), absl::Milliseconds(500));
    std::string last_leader = election_->Observed();
    absl::Time last_error_log = absl::InfinitePast();
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        auto over = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return shut_down_; };
        if (mu_.AwaitWithTimeout(absl::Condition(&over), every)) return;
      }
      absl::StatusOr<int64_t> token = election_->TryAcquire();
      if (!token.ok()) {
        if (absl::Now() - last_error_log > absl::Seconds(10)) {
          last_error_log = absl::Now();
          spdlog::warn("manychipd standby: campaign round failed: {}", token.status().ToString());
        }
        continue;
      }
      if (*token > 0) {
        if (absl::Status s = Lead(*token); !s.ok()) {
          // Elected but cannot serve (state unreadable, port taken): give
          // the term back rather than hold the key and schedule nothing.
          election_->Resign();
          spdlog::error("manychipd: elected but cannot lead: {}", s.ToString());
          spdlog::default_logger()->flush();
          _exit(1);
        }
        return;
      }
      if (const std::string now = election_->Observed(); now != last_leader) {
        spdlog::info("manychipd standby: leader is now {}", now.empty() ? "(none)" : now);
        last_leader = now;
      }
    }
  }

  // Elected with `token`: the standby gives the port to the leader server.
  absl::Status Lead(int64_t token) {
    const absl::Time elected = absl::Now();
    spdlog::info("manychipd: elected leader as {} (fencing token {})", o_.advertise, token);
    election_->KeepAlive([ignore = o_.test_ignore_lease_loss](const absl::Status& why) {
      if (!ignore) StepDown(why);
      spdlog::warn("manychipd: test hook: ignoring the loss of the lease: {}", why.ToString());
    });
    auto term = std::make_shared<LeaderTerm>();
    term->advertise = o_.advertise;
    term->token = token;
    term->confirmed = [e = election_.get()] { return e->Confirmed(); };
    EtcdStoreOptions so = loc_.etcd;
    so.fence_key = loc_.etcd.prefix + "/leader";
    so.fence_revision = token;
    so.on_fenced = [](const absl::Status& why) { StepDown(why); };
    term->open_store = [so]() { return OpenEtcdStateStore(so); };
    ServerOptions lo = o_;
    lo.listen = absl::StrCat(host_, ":", port_);
    StopStandby();
    MC_ASSIGN_OR_RETURN(std::unique_ptr<Server> leader, StartLeaderServer(lo, term));
    spdlog::info("manychipd: leading on {} ({} after the election)", lo.listen,
                 absl::FormatDuration(absl::Now() - elected));
    absl::MutexLock lock(&mu_);
    leader_ = std::move(leader);
    return absl::OkStatus();
  }

  ServerOptions o_;
  const StateLocation loc_;
  std::string host_;
  int port_ = 0;
  std::unique_ptr<Standby> standby_service_;
  std::unique_ptr<grpc::Server> standby_;
  std::unique_ptr<EtcdLeadership> election_;
  std::thread campaign_;

  mutable absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<Server> leader_ ABSL_GUARDED_BY(mu_);
  absl::Notification done_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> StartReplica(const ServerOptions& o) {
  MC_ASSIGN_OR_RETURN(StateLocation loc, ParseStateUrl(o.state_path));
  if (loc.kind != StateLocation::Kind::kEtcd) return StartLeaderServer(o, nullptr);
  auto server = std::make_unique<ReplicaServer>(o, std::move(loc));
  MC_RETURN_IF_ERROR(server->Start());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace manychip::internal
