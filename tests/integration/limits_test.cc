// Inputs that cost the daemon memory or leak across tenants, against the real
// daemon over loopback: each gets a clear error, memory stays bounded, and
// the daemon keeps serving.

#include <sys/types.h>

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace manychip::testing {
namespace {

v1::SubmitJobRequest ShellRequest(const std::string& tenant, const std::string& command) {
  v1::SubmitJobRequest req;
  v1::Job* job = req.mutable_job();
  job->set_tenant(tenant);
  job->set_kind(v1::BATCH);
  v1::TaskGroup* g = job->add_task_groups();
  g->set_name("main");
  g->set_replicas(1);
  g->mutable_demand()->set_cpu_milli(100);
  g->mutable_demand()->set_memory_mib(1);
  g->set_command(command);
  return req;
}

TEST(LimitsTest, ACompressedRequestIsRefusedBeforeItIsInflated) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  const int64_t before = PeakRssKib(c.daemon()->pid());
  ASSERT_GT(before, 0);

  // 128 MiB of one byte gzips to well under the 4 MiB message limit.
  grpc::ChannelArguments args;
  args.SetCompressionAlgorithm(GRPC_COMPRESS_GZIP);
  auto stub = v1::Scheduler::NewStub(
      grpc::CreateCustomChannel(c.address(), grpc::InsecureChannelCredentials(), args));
  v1::SubmitJobResponse resp;
  {
    const v1::SubmitJobRequest bomb = ShellRequest("a", std::string(128 << 20, 'x'));
    grpc::ClientContext ctx;
    grpc::Status s = stub->SubmitJob(&ctx, bomb, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED) << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), "gzip")) << s.error_message();
  }
  const int64_t after = PeakRssKib(c.daemon()->pid());
  RecordProperty("daemon_peak_rss_growth_kib", std::to_string(after - before));
  EXPECT_LT(after - before, 32 << 10)
      << "peak RSS grew from " << before << " to " << after << " KiB";

  // Still serving plain requests.
  grpc::ClientContext ctx;
  grpc::Status s = c.Client()->SubmitJob(&ctx, ShellRequest("a", "/bin/true"), &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(c.daemon()->running());
}

class OpenGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(c_.File("tenants.json")) << R"({"tok-team-a-0123456789": "team-a"})";
    std::ofstream(c_.File("admin")) << "tok-admin-0123456789\n";
  }
  Cluster c_;
};

TEST_F(OpenGatewayTest, ClientTokensWithAnOpenGatewayRefuseToStart) {
  EXPECT_FALSE(c_.StartDaemon(
      {"--tenant_tokens=" + c_.File("tenants.json"), "--admin_token_file=" + c_.File("admin")}));
  EXPECT_EQ(c_.daemon()->Wait(), 1);
  const std::string log = Slurp(c_.File("manychipd.log"));
  EXPECT_TRUE(absl::StrContains(log, "agent gateway is open")) << log;
  EXPECT_TRUE(absl::StrContains(log, "--node_tokens")) << log;
  EXPECT_TRUE(absl::StrContains(log, "--allow_open_agent_gateway")) << log;
}

TEST_F(OpenGatewayTest, AnExplicitFlagStartsItAndTheLogSaysWhatIsOpen) {
  ASSERT_TRUE(
      c_.StartDaemon({"--tenant_tokens=" + c_.File("tenants.json"),
                      "--admin_token_file=" + c_.File("admin"), "--allow_open_agent_gateway"}))
      << c_.Logs();
  const std::string log = Slurp(c_.File("manychipd.log"));
  EXPECT_TRUE(absl::StrContains(log, "client API: 1 tenant token(s), admin token set")) << log;
  EXPECT_TRUE(absl::StrContains(log, "agent gateway: open")) << log;
}

TEST(LimitsTest, TheLogSaysWhichSurfacesAreOpen) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  const std::string log = Slurp(c.File("manychipd.log"));
  EXPECT_TRUE(absl::StrContains(log, "client API: open")) << log;
  EXPECT_TRUE(absl::StrContains(log, "agent gateway: open")) << log;
}

grpc::Status Submit(Cluster& c, const v1::SubmitJobRequest& req, const std::string& token,
                    std::string* id) {
  grpc::ClientContext ctx;
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  v1::SubmitJobResponse resp;
  grpc::Status s = c.Client()->SubmitJob(&ctx, req, &resp);
  if (id != nullptr) *id = resp.job_id();
  return s;
}

TEST(LimitsTest, ErrorsCutTheInputTheyEchoAndTheConnectionSurvives) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  auto stub = c.Client();  // one channel for every call: a dropped one fails the last call
  const std::string long_id(100 << 10, 'j');
  {
    grpc::ClientContext ctx;
    v1::GetJobRequest req;
    req.set_job_id(long_id);
    v1::JobStatus st;
    grpc::Status s = stub->GetJob(&ctx, req, &st);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message().size();
    EXPECT_TRUE(absl::StrContains(s.error_message(), "...(102400 bytes)")) << s.error_message();
    EXPECT_LT(s.error_message().size(), 256u);
  }
  {
    grpc::ClientContext ctx;
    v1::CancelJobRequest req;
    req.set_job_id(long_id);
    v1::CancelJobResponse resp;
    grpc::Status s = stub->CancelJob(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message().size();
    EXPECT_LT(s.error_message().size(), 256u);
  }
  {
    v1::SubmitJobRequest req = ShellRequest("a", "/bin/true");
    req.mutable_job()->set_id(long_id);
    grpc::ClientContext ctx;
    v1::SubmitJobResponse resp;
    grpc::Status s = stub->SubmitJob(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message().size();
    EXPECT_TRUE(absl::StrContains(s.error_message(), "id: ")) << s.error_message();
    EXPECT_LT(s.error_message().size(), 256u);
  }
  grpc::ClientContext ctx;
  v1::SubmitJobResponse resp;
  grpc::Status s = stub->SubmitJob(&ctx, ShellRequest("a", "/bin/true"), &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(c.daemon()->running());
}

class TenantIdTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(c_.StartDaemon(WriteTokenFiles(c_))) << c_.Logs(); }
  static v1::SubmitJobRequest WithId(const std::string& id) {
    v1::SubmitJobRequest req = ShellRequest("", "/bin/true");
    req.mutable_job()->set_id(id);
    return req;
  }
  const std::string a_ = "tok-team-a-0123456789";
  const std::string b_ = "tok-team-b-0123456789";
  const std::string admin_ = "tok-admin-0123456789";
  Cluster c_;
};

TEST_F(TenantIdTest, ATakenIdIsNewToAnotherTenant) {
  std::string a_id, b_id;
  grpc::Status s = Submit(c_, WithId("build-42"), a_, &a_id);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(a_id, "team-a.build-42");
  // Team b chooses the same id: accepted as new, in its own namespace.
  s = Submit(c_, WithId("build-42"), b_, &b_id);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(b_id, "team-b.build-42");
  // Its own again is a duplicate, of its own job only.
  s = Submit(c_, WithId("build-42"), a_, nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();

  // Assigned ids are numbered in each tenant's own sequence, so the number
  // says nothing of other tenants' work, and an id one tenant takes by choice
  // cannot squat another's next assigned id.
  std::string assigned;
  ASSERT_TRUE(Submit(c_, ShellRequest("", "/bin/true"), a_, &assigned).ok());
  EXPECT_EQ(assigned, "team-a.job-000001");
  ASSERT_TRUE(Submit(c_, WithId("job-000001"), b_, &b_id).ok());
  EXPECT_EQ(b_id, "team-b.job-000001");
  ASSERT_TRUE(Submit(c_, ShellRequest("", "/bin/true"), b_, &assigned).ok());
  EXPECT_EQ(assigned, "team-b.job-000002");

  // A tenant names its jobs as it chose them, or by the stored id.
  auto short_name = c_.GetJob("build-42", a_);
  ASSERT_TRUE(short_name.ok()) << short_name.status();
  EXPECT_EQ(short_name->job().id(), "team-a.build-42");
  auto b_short = c_.GetJob("build-42", b_);
  ASSERT_TRUE(b_short.ok()) << b_short.status();
  EXPECT_EQ(b_short->job().id(), "team-b.build-42");

  // Reaching into the other namespace is refused for everyone, taken or not.
  grpc::Status taken = Submit(c_, WithId("team-a.build-42"), b_, nullptr);
  grpc::Status free = Submit(c_, WithId("team-a.build-43"), b_, nullptr);
  EXPECT_EQ(taken.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << taken.error_message();
  EXPECT_EQ(free.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << free.error_message();
  EXPECT_TRUE(absl::StrContains(taken.error_message(), "job.id")) << taken.error_message();

  EXPECT_TRUE(c_.GetJob("team-a.build-42", a_).ok());
  EXPECT_EQ(c_.GetJob("team-a.build-42", b_).status().code(), absl::StatusCode::kNotFound);
  // The admin's ids are its own choice.
  std::string admin_id;
  v1::SubmitJobRequest for_a = WithId("nightly");
  for_a.mutable_job()->set_tenant("team-a");
  ASSERT_TRUE(Submit(c_, for_a, admin_, &admin_id).ok());
  EXPECT_EQ(admin_id, "nightly");
}

TEST(LimitsTest, OversizedJobsAreRefusedNamingTheField) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  grpc::Status s = Submit(c, ShellRequest("a", std::string(3 << 20, 'x')), "", nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(),
                                "job.task_groups[0].command: 3145728 bytes, limit 65536"))
      << s.error_message();

  v1::SubmitJobRequest env = ShellRequest("a", "/bin/true");
  auto* vars = env.mutable_job()->mutable_task_groups(0)->mutable_env();
  for (int i = 0; i < 200000; ++i) (*vars)[absl::StrCat("K", i)] = "v";
  s = Submit(c, env, "", nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(
      absl::StrContains(s.error_message(), "job.task_groups[0].env: 200000 entries, limit 1024"))
      << s.error_message();

  v1::SubmitJobRequest args = ShellRequest("a", "/bin/true");
  for (int i = 0; i < 300000; ++i) args.mutable_job()->mutable_task_groups(0)->add_args("a");
  s = Submit(c, args, "", nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(
      absl::StrContains(s.error_message(), "job.task_groups[0].args: 300000 entries, limit 1024"))
      << s.error_message();

  s = Submit(c, ShellRequest("a", std::string("/bin/true\0-rf", 13)), "", nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "command: contains a NUL byte at offset 9"))
      << s.error_message();

  // Tighter limits come from the flags.
  c.StopDaemon(SIGTERM);
  ASSERT_TRUE(c.StartDaemon({"--max_job_field_bytes=16"})) << c.Logs();
  s = Submit(c, ShellRequest("a", std::string(17, 'x')), "", nullptr);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "command: 17 bytes, limit 16"))
      << s.error_message();

  // Nothing was kept, and the daemon still serves.
  std::string id;
  s = Submit(c, ShellRequest("a", "/bin/true"), "", &id);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(id, "job-000001");
}

// Bytes that are no protobuf at all: a field tag with wire type 7 (none).
grpc::Status CallWithGarbage(Cluster& c, const std::string& method) {
  grpc::GenericStub stub(grpc::CreateChannel(c.address(), grpc::InsecureChannelCredentials()));
  const std::string garbage = "\x0f\xff\xff\xff";
  grpc::Slice slice(garbage);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  return status;
}

TEST(LimitsTest, AnUnparsableRequestIsInvalidArgumentNamingItsType) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  grpc::Status s = CallWithGarbage(c, "/manychip.v1.Scheduler/SubmitJob");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "manychip.v1.SubmitJobRequest"))
      << s.error_message();
  s = CallWithGarbage(c, "/manychip.v1.AgentGateway/Register");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "manychip.v1.RegisterRequest"))
      << s.error_message();
  // A method that does not exist is still UNIMPLEMENTED.
  s = CallWithGarbage(c, "/manychip.v1.Scheduler/NoSuchMethod");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED) << s.error_message();

  std::string id;
  s = Submit(c, ShellRequest("a", "/bin/true"), "", &id);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(c.daemon()->running());
}

TEST(LimitsTest, AStreamThatNeverSaysHelloIsEnded) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon({"--hello_timeout=300ms"})) << c.Logs();
  auto gw = c.Gateway();
  grpc::ClientContext ctx;
  // The client's own deadline is far later: the server must end it first.
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto stream = gw->Session(&ctx);
  v1::ControllerMessage in;
  EXPECT_FALSE(stream->Read(&in));
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "no hello within 300ms")) << s.error_message();
  EXPECT_TRUE(c.daemon()->running());
}

// Registers `node` from an example inventory and opens its session.
struct FakeAgent {
  FakeAgent(Cluster& c, const std::string& node) : gw(c.Gateway()) {
    v1::RegisterRequest req;
    req.set_api_version("v1");
    ok = codec::ReadJsonFile(Src("examples/inventories/x86-h20.json"), req.mutable_node()).ok();
    req.mutable_node()->set_name(node);
    grpc::ClientContext rctx;
    v1::RegisterResponse resp;
    ok = ok && gw->Register(&rctx, req, &resp).ok();
    // A daemon that ignores a bad update would leave the read below hanging.
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    stream = gw->Session(&ctx);
    v1::AgentMessage hello;
    hello.mutable_hello()->set_node(node);
    hello.mutable_hello()->set_session_id(resp.session_id());
    ok = ok && stream->Write(hello);
  }
  // Sends a health update and returns how the daemon ended the stream.
  grpc::Status SendHealth(int32_t index, int health) {
    v1::AgentMessage m;
    m.mutable_device_health()->set_device_index(index);
    m.mutable_device_health()->set_health(static_cast<v1::DeviceHealth>(health));
    stream->Write(m);
    v1::ControllerMessage in;
    while (stream->Read(&in)) {
    }
    return stream->Finish();
  }
  std::unique_ptr<v1::AgentGateway::Stub> gw;
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::ControllerMessage>> stream;
  bool ok = false;
};

TEST(LimitsTest, DeviceHealthForNoSuchDeviceOrHealthEndsTheSession) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  struct Case {
    std::string node;
    int32_t index;
    int health;
    std::string message;
  };
  for (const Case& k : {Case{"gpu-1", 9999, v1::UNHEALTHY, "has no device 9999"},
                        Case{"gpu-2", -1, v1::UNHEALTHY, "device_index: must be >= 0, got -1"},
                        Case{"gpu-3", 0, 77, "device_health.health: unknown value 77"}}) {
    FakeAgent agent(c, k.node);
    ASSERT_TRUE(agent.ok);
    grpc::Status s = agent.SendHealth(k.index, k.health);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), k.message)) << s.error_message();
  }
  EXPECT_TRUE(c.daemon()->running());
}

}  // namespace
}  // namespace manychip::testing
