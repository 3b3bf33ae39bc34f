// manychipd's gRPC edge: the Scheduler and AgentGateway callback services.
// Handlers authenticate and validate on the gRPC thread, then post to the
// Controller's thread and finish the RPC from there; nothing here blocks.

#include "manychip/service/server.h"

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "manychip/elide_input.h"
#include "manychip/status.h"
#include "manychip/v1/agent.grpc.pb.h"
#include "manychip/v1/scheduler.grpc.pb.h"
#include "spdlog/spdlog.h"
#include "src/service/auth.h"
#include "src/service/controller.h"
#include "src/service/event_stream.h"
#include "src/service/expiry_queue.h"
#include "src/service/grpc_status.h"
#include "src/service/http_server.h"
#include "src/service/parse_error_interceptor.h"
#include "src/service/server_setup.h"
#include "src/service/status_pages.h"
#include "src/service/stream_outbox.h"
#include "src/service/task_outcome.h"

namespace manychip {
namespace internal {
namespace {

// ------------------------------------------------------------ Scheduler --

class SchedulerService final : public v1::Scheduler::CallbackService {
 public:
  SchedulerService(Controller* controller, const Authenticator* auth, JobLimits limits,
                   OutboxLimits watch_limits, metrics::DaemonMetrics* metrics,
                   std::shared_ptr<const LeaderTerm> term)
      : controller_(controller),
        auth_(auth),
        limits_(limits),
        watch_limits_(watch_limits),
        metrics_(metrics),
        term_(std::move(term)) {}

  // HA: which replica leads; this one, since it serves the Scheduler.
  void SetSelf(std::string address) {
    absl::MutexLock lock(&self_mu_);
    self_ = std::move(address);
  }

  grpc::ServerUnaryReactor* GetLeader(grpc::CallbackServerContext* ctx, const v1::GetLeaderRequest*,
                                      v1::GetLeaderResponse* resp) override {
    auto* r = ctx->DefaultReactor();
    if (term_ != nullptr) {
      resp->set_leader(term_->advertise);
    } else {
      absl::MutexLock lock(&self_mu_);
      resp->set_leader(self_);
    }
    resp->set_fencing_token(term_ != nullptr ? term_->token : 0);
    r->Finish(grpc::Status::OK);
    return r;
  }

  grpc::ServerUnaryReactor* SubmitJob(grpc::CallbackServerContext* ctx,
                                      const v1::SubmitJobRequest* req,
                                      v1::SubmitJobResponse* resp) override {
    auto* r = ctx->DefaultReactor();
    const absl::Time arrived = absl::Now();
    auto caller = auth_->ClientCaller(*ctx);
    if (!caller.ok()) return Fail(r, caller.status());
    // Nothing is acknowledged that etcd may not keep: while it cannot
    // confirm this leadership (no quorum), refuse at once.
    if (term_ != nullptr && term_->confirmed && !term_->confirmed()) {
      return Fail(r, absl::UnavailableError(
                         "job not accepted: etcd cannot confirm this replica's leadership (no "
                         "quorum?); retry later"));
    }
    v1::Job job = req->job();
    // A tenant token names the tenant; a job that leaves it out is its own.
    if (job.tenant().empty() && !caller->admin) job.set_tenant(caller->tenant);
    if (absl::Status s = TenantJobId(*caller, job); !s.ok()) return Fail(r, s);
    auto spec = codec::JobFromProto(job, controller_->catalog());
    if (!spec.ok()) return Fail(r, spec.status());
    // The simulator runs jobs without commands; a daemon runs processes.
    for (size_t g = 0; g < spec->task_groups.size(); ++g) {
      if (spec->task_groups[g].command.empty()) {
        return Fail(r, absl::InvalidArgumentError(
                           absl::StrCat("task_groups[", g,
                                        "].command: must not be empty (manychipd runs "
                                        "each task as a process)")));
      }
    }
    if (absl::Status s = CheckJobLimits(*spec, limits_); !s.ok()) return Fail(r, s);
    controller_->Post(
        "api.submit", [this, r, resp, arrived, c = *caller, s = *std::move(spec)]() mutable {
          controller_->SubmitJob(c, std::move(s),
                                 [this, r, resp, arrived](absl::StatusOr<std::string> id) {
                                   metrics_->ObserveSubmit(absl::Now() - arrived, id.ok());
                                   if (id.ok()) resp->set_job_id(*id);
                                   r->Finish(ToGrpcStatus(id.status()));
                                 });
        });
    return r;
  }

  grpc::ServerUnaryReactor* CancelJob(grpc::CallbackServerContext* ctx,
                                      const v1::CancelJobRequest* req,
                                      v1::CancelJobResponse* resp) override {
    auto* r = ctx->DefaultReactor();
    auto caller = auth_->ClientCaller(*ctx);
    if (!caller.ok()) return Fail(r, caller.status());
    controller_->Post("api.cancel", [this, r, resp, c = *caller, id = req->job_id()] {
      auto phase = controller_->CancelJob(c, id);
      if (phase.ok()) resp->set_phase(*phase);
      r->Finish(ToGrpcStatus(phase.status()));
    });
    return r;
  }

  grpc::ServerUnaryReactor* GetJob(grpc::CallbackServerContext* ctx, const v1::GetJobRequest* req,
                                   v1::JobStatus* resp) override {
    auto* r = ctx->DefaultReactor();
    auto caller = auth_->ClientCaller(*ctx);
    if (!caller.ok()) return Fail(r, caller.status());
    controller_->Post("api.get", [this, r, resp, c = *caller, id = req->job_id()] {
      auto job = controller_->GetJob(c, id);
      if (job.ok()) *resp = *std::move(job);
      r->Finish(ToGrpcStatus(job.status()));
    });
    return r;
  }

  grpc::ServerUnaryReactor* ListJobs(grpc::CallbackServerContext* ctx,
                                     const v1::ListJobsRequest* req,
                                     v1::ListJobsResponse* resp) override {
    auto* r = ctx->DefaultReactor();
    auto caller = auth_->ClientCaller(*ctx);
    if (!caller.ok()) return Fail(r, caller.status());
    if (!caller->admin && !req->tenant().empty() && req->tenant() != caller->tenant) {
      return Fail(r, absl::PermissionDeniedError("tenant: only the admin may list other tenants"));
    }
    controller_->Post("api.list_jobs", [this, r, resp, c = *caller, q = *req] {
      for (v1::JobStatus& j : controller_->ListJobs(c, q.phase(), q.tenant())) {
        *resp->add_jobs() = std::move(j);
      }
      r->Finish(grpc::Status::OK);
    });
    return r;
  }

  grpc::ServerWriteReactor<v1::JobEvent>* WatchJobs(grpc::CallbackServerContext* ctx,
                                                    const v1::WatchJobsRequest* req) override;
  // The event log (defined with the event reactor below).
  grpc::ServerUnaryReactor* ListEvents(grpc::CallbackServerContext* ctx,
                                       const v1::ListEventsRequest* req,
                                       v1::ListEventsResponse* resp) override;
  grpc::ServerWriteReactor<v1::Event>* WatchEvents(grpc::CallbackServerContext* ctx,
                                                   const v1::WatchEventsRequest* req) override;

  grpc::ServerUnaryReactor* ListNodes(grpc::CallbackServerContext* ctx,
                                      const v1::ListNodesRequest* req,
                                      v1::ListNodesResponse* resp) override {
    auto* r = ctx->DefaultReactor();
    if (absl::Status s = Admin(*ctx); !s.ok()) return Fail(r, s);
    controller_->Post("api.list_nodes", [this, r, resp] {
      for (v1::NodeStatus& n : controller_->ListNodes()) *resp->add_nodes() = std::move(n);
      r->Finish(grpc::Status::OK);
    });
    return r;
  }

  grpc::ServerUnaryReactor* DrainNode(grpc::CallbackServerContext* ctx,
                                      const v1::DrainNodeRequest* req,
                                      v1::DrainNodeResponse* resp) override {
    return Cordon(ctx, req->node(), false, resp->mutable_node());
  }

  grpc::ServerUnaryReactor* UncordonNode(grpc::CallbackServerContext* ctx,
                                         const v1::UncordonNodeRequest* req,
                                         v1::UncordonNodeResponse* resp) override {
    return Cordon(ctx, req->node(), true, resp->mutable_node());
  }

  grpc::ServerUnaryReactor* Explain(grpc::CallbackServerContext* ctx, const v1::ExplainRequest* req,
                                    v1::ExplainResponse* resp) override {
    auto* r = ctx->DefaultReactor();
    auto caller = auth_->ClientCaller(*ctx);
    if (!caller.ok()) return Fail(r, caller.status());
    controller_->Post("api.explain", [this, r, resp, c = *caller, id = req->job_id()] {
      auto e = controller_->Explain(c, id);
      if (e.ok()) *resp = *std::move(e);
      r->Finish(ToGrpcStatus(e.status()));
    });
    return r;
  }

 private:
  static grpc::ServerUnaryReactor* Fail(grpc::ServerUnaryReactor* r, const absl::Status& s) {
    r->Finish(ToGrpcStatus(s));
    return r;
  }

  // A tenant's own job ids live in its namespace, "<tenant>.<id>", so one
  // tenant can neither learn that another's id exists (ALREADY_EXISTS) nor
  // take an id another will use; the answer carries the id as stored. A '.'
  // in the chosen id is refused, so no two tenants' ids can meet (tenant
  // names may hold dots, the part after the last one is the tenant's). The
  // admin, and every caller in open mode, chooses store ids as they are.
  static absl::Status TenantJobId(const Caller& caller, v1::Job& job) {
    if (caller.admin || job.id().empty()) return absl::OkStatus();
    const std::string id = absl::StrCat(caller.tenant, ".", job.id());
    if (absl::StrContains(job.id(), '.') || id.size() > kMaxJobIdBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("job.id: ", ElideInput(job.id()), ": a tenant's ids are stored as \"",
                       caller.tenant, ".<id>\", so <id> may hold no '.' and at most ",
                       std::max<int64_t>(0, static_cast<int64_t>(kMaxJobIdBytes - 1) -
                                                static_cast<int64_t>(caller.tenant.size())),
                       " characters"));
    }
    job.set_id(id);
    return absl::OkStatus();
  }
  static constexpr size_t kMaxJobIdBytes = 63;  // IsValidId in codec/model.h

  absl::Status Admin(const grpc::ServerContextBase& ctx) const {
    MC_ASSIGN_OR_RETURN(Caller c, auth_->ClientCaller(ctx));
    if (!c.admin) return absl::PermissionDeniedError("node operations need the admin token");
    return absl::OkStatus();
  }

  grpc::ServerUnaryReactor* Cordon(grpc::CallbackServerContext* ctx, const std::string& node,
                                   bool schedulable, v1::NodeStatus* out) {
    auto* r = ctx->DefaultReactor();
    if (absl::Status s = Admin(*ctx); !s.ok()) return Fail(r, s);
    controller_->Post("api.cordon", [this, r, out, node, schedulable] {
      auto st = controller_->SetSchedulable(node, schedulable);
      if (st.ok()) *out = *std::move(st);
      r->Finish(ToGrpcStatus(st.status()));
    });
    return r;
  }

  Controller* controller_;
  const Authenticator* auth_;
  const JobLimits limits_;
  const OutboxLimits watch_limits_;
  metrics::DaemonMetrics* metrics_;
  const std::shared_ptr<const LeaderTerm> term_;  // null on SQLite
  absl::Mutex self_mu_;
  std::string self_ ABSL_GUARDED_BY(self_mu_);  // SQLite: the address it serves on
};

// A WatchJobs stream. Its StreamOutbox decides when to write and when to
// finish; the reactor only forwards gRPC's reactions to it.
class WatchReactor final : public grpc::ServerWriteReactor<v1::JobEvent>,
                           public StreamWriter<v1::JobEvent> {
 public:
  // The controller's handle on the stream; it outlives the reactor.
  class Link final : public WatchLink {
   public:
    explicit Link(std::shared_ptr<StreamOutbox<v1::JobEvent>> outbox)
        : outbox_(std::move(outbox)) {}
    bool Send(const v1::JobEvent& ev) override { return outbox_->Push(ev); }
    bool SendSnapshot(const v1::JobEvent& ev) override { return outbox_->PushUncounted(ev); }
    void Close(const absl::Status& status) override { outbox_->Close(status); }

   private:
    std::shared_ptr<StreamOutbox<v1::JobEvent>> outbox_;
  };

  WatchReactor(Controller* controller, OutboxLimits limits)
      : controller_(controller),
        outbox_(std::make_shared<StreamOutbox<v1::JobEvent>>(this, limits)),
        link_(std::make_shared<Link>(outbox_)) {}
  std::shared_ptr<WatchLink> link() const { return link_; }
  StreamOutbox<v1::JobEvent>& outbox() { return *outbox_; }

  void OnWriteDone(bool ok) override { outbox_->OnWriteDone(ok); }
  void OnCancel() override { outbox_->Close(absl::CancelledError("watch cancelled")); }
  void OnDone() override {
    outbox_->OnDone();
    // The controller forgets the watcher now, not at the next event. The
    // lambda keeps the link, so its address names no other watcher until then.
    controller_->Post("watch.done",
                      [c = controller_, link = std::move(link_)] { c->RemoveWatcher(link.get()); });
    delete this;
  }

 private:
  void Write(const v1::JobEvent& ev) override { StartWrite(&ev); }
  void End(const absl::Status& status) override { Finish(ToGrpcStatus(status)); }

  Controller* controller_;
  std::shared_ptr<StreamOutbox<v1::JobEvent>> outbox_;
  std::shared_ptr<WatchLink> link_;
};

grpc::ServerWriteReactor<v1::JobEvent>* SchedulerService::WatchJobs(
    grpc::CallbackServerContext* ctx, const v1::WatchJobsRequest* req) {
  auto* r = new WatchReactor(controller_, watch_limits_);
  auto caller = auth_->ClientCaller(*ctx);
  if (!caller.ok()) {
    r->outbox().Close(caller.status());
    return r;
  }
  controller_->Post("api.watch", [this, link = r->link(), c = *caller, id = req->job_id()] {
    controller_->AddWatcher(c, id, link);
  });
  return r;
}

// ----------------------------------------------------------- event log --

grpc::ServerUnaryReactor* SchedulerService::ListEvents(grpc::CallbackServerContext* ctx,
                                                       const v1::ListEventsRequest* req,
                                                       v1::ListEventsResponse* resp) {
  auto* r = ctx->DefaultReactor();
  auto caller = auth_->ClientCaller(*ctx);
  if (!caller.ok()) return Fail(r, caller.status());
  controller_->Post("api.list_events", [this, r, resp, c = *caller, q = *req] {
    auto page = controller_->ListEvents(c, q);
    if (page.ok()) *resp = *std::move(page);
    r->Finish(ToGrpcStatus(page.status()));
  });
  return r;
}

grpc::ServerWriteReactor<v1::Event>* SchedulerService::WatchEvents(
    grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) {
  auto* r = new EventWatchReactor(controller_, watch_limits_);
  auto caller = auth_->ClientCaller(*ctx);
  if (!caller.ok()) {
    r->outbox().Close(caller.status());
    return r;
  }
  controller_->Post("api.watch_events", [this, link = r->link(), c = *caller, q = *req] {
    controller_->AddEventWatcher(c, q.job_id(), q.after_seq(), link);
  });
  return r;
}

// --------------------------------------------------------- AgentGateway --

class SessionReactor;

// What the edge can refuse in a session message without the node's state: a
// device health update must name a device index and a health the protocol
// has (an unknown value was taken as HEALTHY and ended an isolation).
absl::Status CheckAgentMessage(const v1::AgentMessage& m) {
  if (m.msg_case() != v1::AgentMessage::kDeviceHealth) return absl::OkStatus();
  const v1::DeviceHealthUpdate& u = m.device_health();
  if (u.device_index() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("device_health.device_index: must be >= 0, got ", u.device_index()));
  }
  if (!v1::DeviceHealth_IsValid(u.health())) {
    return absl::InvalidArgumentError(
        absl::StrCat("device_health.health: unknown value ", static_cast<int>(u.health())));
  }
  return absl::OkStatus();
}

// The controller's handle on a session: sends are queued here and written
// one at a time; Close ends the stream with a status.
class SessionState final : public SessionLink {
 public:
  explicit SessionState(SessionReactor* r) : reactor_(r) {}
  void Send(const v1::ControllerMessage& msg) override;
  void Close(const absl::Status& status) override;
  // Set once the first message, a valid hello, has been read.
  void SetHelloSeen() { hello_seen_.store(true); }
  bool hello_seen() const { return hello_seen_.load(); }
  // Called by the reactor.
  const v1::ControllerMessage* WriteDone(bool ok);
  void Detach();
  // Finishes unless already finishing; returns whether it did.
  bool FinishOnce(const grpc::Status& s);

 private:
  absl::Mutex mu_;
  SessionReactor* reactor_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::ControllerMessage> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> hello_seen_{false};
};

class SessionReactor final
    : public grpc::ServerBidiReactor<v1::AgentMessage, v1::ControllerMessage> {
 public:
  SessionReactor(grpc::CallbackServerContext* ctx, Controller* controller,
                 const Authenticator* auth, ExpiryQueue* hellos, absl::Duration hello_timeout,
                 metrics::DaemonMetrics* metrics)
      : ctx_(ctx),
        controller_(controller),
        auth_(auth),
        metrics_(metrics),
        state_(std::make_shared<SessionState>(this)) {
    // A stream that never says hello would hold this reactor forever.
    hellos->Add([weak = std::weak_ptr<SessionState>(state_), hello_timeout] {
      if (auto st = weak.lock(); st != nullptr && !st->hello_seen()) {
        st->Close(absl::DeadlineExceededError(
            absl::StrCat("session: no hello within ", absl::FormatDuration(hello_timeout))));
      }
    });
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      state_->FinishOnce(grpc::Status::OK);
      return;
    }
    if (node_.empty()) {
      if (in_.msg_case() != v1::AgentMessage::kHello || in_.hello().node().empty()) {
        state_->FinishOnce(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                        "session: the first message must be a hello with a node"));
        return;
      }
      if (absl::Status s = auth_->CheckNode(*ctx_, in_.hello().node()); !s.ok()) {
        state_->FinishOnce(ToGrpcStatus(s));
        return;
      }
      node_ = in_.hello().node();
      session_id_ = in_.hello().session_id();
      state_->SetHelloSeen();
      metrics_->SessionOpened();
      controller_->Post("agent.attach",
                        [c = controller_, node = node_, sid = session_id_, st = state_] {
                          if (absl::Status s = c->AttachSession(node, sid, st); !s.ok())
                            st->Close(s);
                        });
    } else {
      if (in_.msg_case() == v1::AgentMessage::kHello) {
        state_->FinishOnce(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                        "session: hello may only be sent once"));
        return;
      }
      if (absl::Status s = CheckAgentMessage(in_); !s.ok()) {
        state_->FinishOnce(ToGrpcStatus(s));
        return;
      }
      if (in_.msg_case() == v1::AgentMessage::kHeartbeat) metrics_->Heartbeat();
      controller_->Post("agent.message", [c = controller_, node = node_, sid = session_id_,
                                          m = std::move(in_)] { c->OnAgentMessage(node, sid, m); });
    }
    in_.Clear();
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    if (const v1::ControllerMessage* next = state_->WriteDone(ok)) StartWrite(next);
  }

  void OnDone() override {
    state_->Detach();
    if (!node_.empty()) {
      metrics_->SessionClosed();
      controller_->Post("agent.detach", [c = controller_, node = node_, sid = session_id_] {
        c->DetachSession(node, sid);
      });
    }
    delete this;
  }

 private:
  grpc::CallbackServerContext* ctx_;
  Controller* controller_;
  const Authenticator* auth_;
  metrics::DaemonMetrics* metrics_;
  std::shared_ptr<SessionState> state_;
  v1::AgentMessage in_;
  std::string node_;
  int64_t session_id_ = 0;
};

void SessionState::Send(const v1::ControllerMessage& msg) {
  SessionReactor* start = nullptr;
  const v1::ControllerMessage* first = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (reactor_ == nullptr || finishing_) return;
    queue_.push_back(msg);
    if (!writing_) {
      writing_ = true;
      start = reactor_;
      first = &queue_.front();
    }
  }
  if (start != nullptr) start->StartWrite(first);
}

void SessionState::Close(const absl::Status& status) { FinishOnce(ToGrpcStatus(status)); }

bool SessionState::FinishOnce(const grpc::Status& s) {
  SessionReactor* r = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (reactor_ == nullptr || finishing_) return false;
    finishing_ = true;
    final_status_ = s;
    // With a write in flight, WriteDone finishes; gRPC wants one op at a time here.
    if (!writing_) r = reactor_;
  }
  if (r != nullptr) r->Finish(s);
  return true;
}

const v1::ControllerMessage* SessionState::WriteDone(bool ok) {
  SessionReactor* finish = nullptr;
  grpc::Status status;
  const v1::ControllerMessage* next = nullptr;
  {
    absl::MutexLock lock(&mu_);
    queue_.pop_front();
    if (!ok && !finishing_) {
      finishing_ = true;
      final_status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed");
    }
    if (finishing_) {
      writing_ = false;
      finish = reactor_;
      status = final_status_;
    } else if (queue_.empty()) {
      writing_ = false;
    } else {
      next = &queue_.front();
    }
  }
  if (finish != nullptr) finish->Finish(status);
  return next;
}

void SessionState::Detach() {
  absl::MutexLock lock(&mu_);
  reactor_ = nullptr;
  queue_.clear();
}

class GatewayService final : public v1::AgentGateway::CallbackService {
 public:
  GatewayService(Controller* controller, const Authenticator* auth, absl::Duration hello_timeout,
                 metrics::DaemonMetrics* metrics)
      : controller_(controller),
        auth_(auth),
        metrics_(metrics),
        hello_timeout_(hello_timeout),
        hellos_(hello_timeout) {}

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* ctx,
                                     const v1::RegisterRequest* req,
                                     v1::RegisterResponse* resp) override {
    auto* r = ctx->DefaultReactor();
    if (req->api_version() != "v1") {
      r->Finish(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                             absl::StrCat("api_version: this server speaks v1, got \"",
                                          ElideInput(req->api_version()), "\"")));
      return r;
    }
    if (absl::Status s = auth_->CheckNode(*ctx, req->node().name()); !s.ok()) {
      r->Finish(ToGrpcStatus(s));
      return r;
    }
    auto spec = codec::NodeFromProto(req->node(), controller_->catalog(), "node.");
    if (!spec.ok()) {
      r->Finish(ToGrpcStatus(spec.status()));
      return r;
    }
    for (int i = 0; i < req->finished_size(); ++i) {
      const v1::TaskEvent& ev = req->finished(i);
      if (!IsTaskOutcome(ev)) {
        r->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               absl::StrCat("finished[", i, "].kind: must be ", kTaskOutcomeKinds,
                                            ", got ", v1::TaskEventKind_Name(ev.kind()))));
        return r;
      }
    }
    std::vector<v1::RunningTask> running(req->running().begin(), req->running().end());
    std::vector<v1::TaskEvent> finished(req->finished().begin(), req->finished().end());
    controller_->Post("agent.register", [c = controller_, r, resp, s = *std::move(spec),
                                         proto = req->node(), running, finished]() mutable {
      auto out =
          c->RegisterNode(std::move(s), std::move(proto), std::move(running), std::move(finished));
      if (out.ok()) *resp = *std::move(out);
      r->Finish(ToGrpcStatus(out.status()));
    });
    return r;
  }

  grpc::ServerBidiReactor<v1::AgentMessage, v1::ControllerMessage>* Session(
      grpc::CallbackServerContext* ctx) override {
    return new SessionReactor(ctx, controller_, auth_, &hellos_, hello_timeout_, metrics_);
  }

 private:
  Controller* controller_;
  const Authenticator* auth_;
  metrics::DaemonMetrics* metrics_;
  const absl::Duration hello_timeout_;
  ExpiryQueue hellos_;
};

// ---------------------------------------------------------------- server --

class GrpcServer final : public Server {
 public:
  GrpcServer(std::unique_ptr<ServerParts> parts, std::unique_ptr<Authenticator> auth,
             std::shared_ptr<const LeaderTerm> term)
      : parts_(std::move(parts)), auth_(std::move(auth)), term_(std::move(term)) {}
  ~GrpcServer() override { Shutdown(); }

  absl::Status Listen(const ServerOptions& o, std::shared_ptr<grpc::ServerCredentials> creds) {
    scheduler_service_ = std::make_unique<SchedulerService>(
        parts_->controller.get(), auth_.get(), o.job_limits,
        OutboxLimits{.max_queued_bytes = static_cast<size_t>(o.watch_max_queued_bytes)},
        parts_->metrics.get(), term_);
    gateway_service_ = std::make_unique<GatewayService>(parts_->controller.get(), auth_.get(),
                                                        o.hello_timeout, parts_->metrics.get());
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder b;
    b.AddListeningPort(o.listen, std::move(creds), &port_);
    b.RegisterService(scheduler_service_.get());
    b.RegisterService(gateway_service_.get());
    b.SetMaxReceiveMessageSize(o.max_message_bytes);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> hooks;
    hooks.push_back(MakeParseErrorInterceptorFactory());
    b.experimental().SetInterceptorCreators(std::move(hooks));
    if (!o.accept_compressed_requests) {
      // See ServerOptions::accept_compressed_requests: the call fails on its
      // headers, before a byte of the message is inflated.
      b.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_DEFLATE, false);
      b.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_GZIP, false);
    }
    // Agents ping every 10 s to notice a dead daemon; allow it.
    b.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
    b.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    b.SetMaxSendMessageSize(std::max(o.max_message_bytes, 64 << 20));
    server_ = b.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      return absl::UnavailableError(absl::StrCat("listen: cannot bind ", o.listen));
    }
    if (!o.advertise.empty()) {
      scheduler_service_->SetSelf(o.advertise);
    } else {
      scheduler_service_->SetSelf(
          absl::StrCat(o.listen.substr(0, o.listen.rfind(':')), ":", port_));
    }
    // HA: no cycles (and so no placements) while etcd cannot confirm the term.
    parts_->thread->Start([c = parts_->controller.get(), t = term_] {
      if (t == nullptr || !t->confirmed || t->confirmed()) c->Tick();
    });
    if (!o.http_listen.empty()) {
      MC_ASSIGN_OR_RETURN(std::shared_ptr<const HttpRouter> router,
                          MakeStatusRouter(parts_->controller.get(), parts_->metrics.get()));
      MC_ASSIGN_OR_RETURN(http_, HttpServer::Start(o.http_listen, std::move(router)));
      spdlog::info("manychipd status pages on {} (port {}): /metrics /healthz /readyz /",
                   o.http_listen, http_->port());
    }
    return absl::OkStatus();
  }

  int port() const override { return port_; }
  int http_port() const override { return http_ == nullptr ? 0 : http_->port(); }

  void Wait() override { done_.WaitForNotification(); }

  void Shutdown() override {
    {
      std::lock_guard<std::mutex> lock(shutdown_mu_);
      if (shut_down_) return;
      shut_down_ = true;
    }
    // The status pages go first: their pending replies then drop quietly.
    if (http_ != nullptr) http_->Stop();
    if (server_ != nullptr) {
      // Ends agent sessions and watches (their reactors finish on cancel)
      // while the controller still runs to answer in-flight unary calls.
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    }
    parts_->thread->Stop([c = parts_->controller.get()] { c->CloseSessions(); });
    if (server_ != nullptr) server_->Wait();
    done_.Notify();
  }

 private:
  std::unique_ptr<ServerParts> parts_;
  std::unique_ptr<Authenticator> auth_;
  std::shared_ptr<const LeaderTerm> term_;
  std::unique_ptr<SchedulerService> scheduler_service_;
  std::unique_ptr<GatewayService> gateway_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HttpServer> http_;
  int port_ = 0;
  absl::Notification done_;
  std::mutex shutdown_mu_;
  bool shut_down_ = false;
};

bool IsLoopback(absl::string_view listen) {
  return absl::StartsWith(listen, "127.") || absl::StartsWith(listen, "localhost:") ||
         absl::StartsWith(listen, "[::1]:") || absl::StartsWith(listen, "unix:");
}

}  // namespace
}  // namespace internal

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& o) {
  // etcd state: a replica that leads only once elected (replica.cc).
  if (absl::StartsWithIgnoreCase(o.state_path, "etcd://")) return internal::StartReplica(o);
  return internal::StartLeaderServer(o, nullptr);
}

absl::StatusOr<std::unique_ptr<Server>> internal::StartLeaderServer(
    const ServerOptions& o, std::shared_ptr<const LeaderTerm> term) {
  using internal::IsLoopback;
  const bool tls = !o.tls_cert.empty() || !o.tls_key.empty();
  if (tls && (o.tls_cert.empty() || o.tls_key.empty())) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key: give both or neither");
  }
  if (!tls && !o.tls_client_ca.empty()) {
    return absl::InvalidArgumentError("--tls_client_ca: needs --tls_cert and --tls_key");
  }
  std::shared_ptr<grpc::ServerCredentials> creds;
  if (tls) {
    grpc::SslServerCredentialsOptions ssl(
        o.tls_client_ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    MC_ASSIGN_OR_RETURN(std::string cert, codec::ReadFile(o.tls_cert));
    MC_ASSIGN_OR_RETURN(std::string key, codec::ReadFile(o.tls_key));
    ssl.pem_key_cert_pairs.push_back({key, cert});
    if (!o.tls_client_ca.empty()) {
      MC_ASSIGN_OR_RETURN(ssl.pem_root_certs, codec::ReadFile(o.tls_client_ca));
    }
    creds = grpc::SslServerCredentials(ssl);
  } else {
    if (!IsLoopback(o.listen)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--listen ", o.listen,
                       ": without TLS manychipd listens on loopback only "
                       "(use 127.0.0.1:PORT or give --tls_cert/--tls_key)"));
    }
    spdlog::warn("no TLS configured: plaintext on loopback only ({})", o.listen);
    creds = grpc::InsecureServerCredentials();
  }
  MC_RETURN_IF_ERROR(internal::CheckAuthSurfaces(o));
  MC_ASSIGN_OR_RETURN(std::unique_ptr<internal::ServerParts> parts,
                      internal::BuildServerParts(o, term.get()));
  auto auth = std::make_unique<internal::Authenticator>(o.tenant_tokens, o.node_tokens,
                                                        o.admin_token, !o.tls_client_ca.empty());
  auto server =
      std::make_unique<internal::GrpcServer>(std::move(parts), std::move(auth), std::move(term));
  MC_RETURN_IF_ERROR(server->Listen(o, std::move(creds)));
  spdlog::info("manychipd listening on {} (port {})", o.listen, server->port());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace manychip
