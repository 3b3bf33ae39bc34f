// Bad input and faults against the real daemon: each gets a clear error, the
// daemon keeps serving, and no state is lost. Also the security rules.

#include <sys/stat.h>

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace manychip::testing {
namespace {

TEST(BadInputTest, ClientErrorsAreClearAndTheDaemonKeepsServing) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon({"--max_message_bytes=4096"})) << c.Logs();
  const std::string good = c.JobFile("good.json", ShellJob("team-a", 1, 1, "true"));
  CtlResult ok = c.Ctl({"submit", good});
  ASSERT_EQ(ok.code, 0) << ok.out;

  CtlResult malformed = c.Ctl({"submit", c.JobFile("m.json", "{\"tenant\": ")});
  EXPECT_EQ(malformed.code, 2) << malformed.out;
  EXPECT_TRUE(absl::StrContains(malformed.out, "m.json")) << malformed.out;

  CtlResult unknown_field = c.Ctl({"submit", c.JobFile("u.json", R"({"tenant": "a", "gpus": 8})")});
  EXPECT_EQ(unknown_field.code, 2) << unknown_field.out;
  EXPECT_TRUE(absl::StrContains(unknown_field.out, "gpus")) << unknown_field.out;

  std::string negative = ShellJob("team-a", 1, 1, "true");
  negative.replace(negative.find("\"milli_devices\": 1000"), 21, "\"milli_devices\": -500");
  CtlResult range = c.Ctl({"submit", c.JobFile("r.json", negative)});
  EXPECT_EQ(range.code, 1) << range.out;
  EXPECT_TRUE(absl::StrContains(range.out, "INVALID_ARGUMENT")) << range.out;
  EXPECT_TRUE(absl::StrContains(range.out, "milli_devices")) << range.out;

  CtlResult no_command =
      c.Ctl({"submit", c.JobFile("nc.json", R"({"tenant": "a", "kind": "BATCH", "task_groups": [
          {"name": "g", "replicas": 1, "demand": {"cpu_milli": 100, "memory_mib": 1}}]})")});
  EXPECT_EQ(no_command.code, 1) << no_command.out;
  EXPECT_TRUE(absl::StrContains(no_command.out, "task_groups[0].command")) << no_command.out;

  std::string big = ShellJob("team-a", 1, 1, std::string(8000, 'x'));
  CtlResult oversized = c.Ctl({"submit", c.JobFile("big.json", big)});
  EXPECT_EQ(oversized.code, 1) << oversized.out;
  EXPECT_TRUE(absl::StrContains(oversized.out, "RESOURCE_EXHAUSTED")) << oversized.out;

  CtlResult missing_job = c.Ctl({"get", "job", "job-999999"});
  EXPECT_EQ(missing_job.code, 1);
  EXPECT_TRUE(absl::StrContains(missing_job.out, "NOT_FOUND")) << missing_job.out;
  EXPECT_EQ(c.Ctl({"cancel", "nope"}).code, 1);
  EXPECT_EQ(c.Ctl({"explain", "nope"}).code, 1);
  EXPECT_EQ(c.Ctl({"drain", "no-such-node"}).code, 1);

  // Usage errors are 2 and never reach the server.
  EXPECT_EQ(c.Ctl({"frobnicate"}).code, 2);
  EXPECT_EQ(c.Ctl({"--bogus", "jobs"}).code, 2);
  EXPECT_EQ(c.Ctl({"get", "job"}).code, 2);
  EXPECT_EQ(c.Ctl({"-o", "yaml", "jobs"}).code, 2);

  // Still serving, nothing lost.
  CtlResult jobs = c.Ctl({"jobs"});
  EXPECT_EQ(jobs.code, 0);
  EXPECT_TRUE(absl::StrContains(jobs.out, "job-000001")) << jobs.out;
  EXPECT_TRUE(c.daemon()->running());
}

TEST(BadInputTest, SecondRegistrationOfALiveNodeIsRefused) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon()) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  v1::RegisterRequest req;
  req.set_api_version("v1");
  ASSERT_TRUE(
      codec::ReadJsonFile(Src("examples/inventories/x86-h20.json"), req.mutable_node()).ok());
  req.mutable_node()->set_name("gpu-1");
  grpc::ClientContext ctx;
  v1::RegisterResponse resp;
  grpc::Status s = c.Gateway()->Register(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();

  // A bad inventory names the field.
  req.mutable_node()->set_name("gpu-2");
  req.mutable_node()->mutable_devices(0)->set_model("no-such-card");
  grpc::ClientContext ctx2;
  s = c.Gateway()->Register(&ctx2, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "node.devices[0].model")) << s.error_message();

  // Only outcomes go in `finished`.
  v1::RegisterRequest started = req;
  started.mutable_node()->mutable_devices(0)->set_model(
      req.node().devices(1).model());  // a valid inventory again
  v1::TaskEvent* ev = started.add_finished();
  ev->set_task_id("job-000001/main/0");
  ev->set_attempt(1);
  ev->set_kind(v1::STARTED);
  grpc::ClientContext ctx4;
  s = c.Gateway()->Register(&ctx4, started, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "finished[0].kind")) << s.error_message();

  req.set_api_version("v2");
  grpc::ClientContext ctx3;
  s = c.Gateway()->Register(&ctx3, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(c.WaitNodes(1, absl::Seconds(1)));
}

TEST(BadInputTest, CorruptOrReadOnlyStoreIsAClearStartupError) {
  {
    Cluster c;
    std::ofstream(c.File("state.db")) << std::string(4096, 'z');
    EXPECT_FALSE(c.StartDaemon());
    EXPECT_EQ(c.daemon()->Wait(), 1);
    const std::string log = Slurp(c.File("manychipd.log"));
    EXPECT_TRUE(absl::StrContains(log, "DATA_LOSS")) << log;
    EXPECT_TRUE(absl::StrContains(log, "state.db")) << log;
    EXPECT_EQ(std::filesystem::file_size(c.File("state.db")), 4096u) << "left for the operator";
  }
  {
    Cluster c;
    ASSERT_TRUE(c.StartDaemon());
    c.StopDaemon(SIGTERM);
    ASSERT_EQ(::chmod(c.File("state.db").c_str(), 0444), 0);
    EXPECT_FALSE(c.StartDaemon());
    EXPECT_EQ(c.daemon()->Wait(), 1);
    const std::string log = Slurp(c.File("manychipd.log"));
    EXPECT_TRUE(absl::StrContains(log, "read-only")) << log;
  }
}

TEST(BadInputTest, PlaintextRefusesNonLoopback) {
  Cluster c;
  std::vector<std::string> argv = {Bin("manychipd"), "--listen=0.0.0.0:0",
                                   "--state=" + c.File("s.db"),
                                   "--catalog=" + Src("examples/catalog/devices.json")};
  Process p(argv, c.File("d.log"));
  EXPECT_EQ(p.Wait(), 1);
  EXPECT_TRUE(absl::StrContains(Slurp(c.File("d.log")), "loopback only")) << Slurp(c.File("d.log"));
}

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(c_.File("tenants.json"))
        << R"({"tok-team-a-0123456789": "team-a", "tok-team-b-0123456789": "team-b"})";
    std::ofstream(c_.File("nodes.json")) << R"({"tok-node-gpu-1-012345": "gpu-1"})";
    std::ofstream(c_.File("admin")) << "tok-admin-0123456789\n";
    ASSERT_TRUE(c_.StartDaemon({"--tenant_tokens=" + c_.File("tenants.json"),
                                "--node_tokens=" + c_.File("nodes.json"),
                                "--admin_token_file=" + c_.File("admin")}))
        << c_.Logs();
    std::ofstream(c_.File("gpu1.token")) << "tok-node-gpu-1-012345\n";
  }
  Cluster c_;
};

TEST_F(SecurityTest, TenantsSeeOnlyTheirJobsAndNodeOpsNeedAdmin) {
  const std::string a = "--token=tok-team-a-0123456789";
  const std::string b = "--token=tok-team-b-0123456789";
  const std::string admin = "--token=tok-admin-0123456789";
  // The tenant comes from the token when the job leaves it out.
  CtlResult sub = c_.Ctl({a, "submit", c_.JobFile("j.json", ShellJob("", 1, 1, "true"))});
  ASSERT_EQ(sub.code, 0) << sub.out;
  std::string id = sub.out.substr(0, sub.out.find('\n'));
  // Claiming another tenant is refused.
  CtlResult other = c_.Ctl({a, "submit", c_.JobFile("o.json", ShellJob("team-b", 1, 1, "true"))});
  EXPECT_EQ(other.code, 1);
  EXPECT_TRUE(absl::StrContains(other.out, "PERMISSION_DENIED")) << other.out;

  EXPECT_EQ(c_.Ctl({a, "get", "job", id}).code, 0);
  CtlResult peek = c_.Ctl({b, "get", "job", id});
  EXPECT_EQ(peek.code, 1);
  EXPECT_TRUE(absl::StrContains(peek.out, "NOT_FOUND")) << peek.out;
  EXPECT_TRUE(absl::StrContains(c_.Ctl({b, "cancel", id}).out, "NOT_FOUND"));
  EXPECT_FALSE(absl::StrContains(c_.Ctl({b, "jobs"}).out, id));
  EXPECT_TRUE(absl::StrContains(c_.Ctl({admin, "jobs"}).out, id));

  CtlResult nodes = c_.Ctl({a, "nodes"});
  EXPECT_EQ(nodes.code, 1);
  EXPECT_TRUE(absl::StrContains(nodes.out, "PERMISSION_DENIED")) << nodes.out;
  EXPECT_EQ(c_.Ctl({admin, "nodes"}).code, 0);
  CtlResult anon = c_.Ctl({"jobs"});
  EXPECT_EQ(anon.code, 1);
  EXPECT_TRUE(absl::StrContains(anon.out, "UNAUTHENTICATED")) << anon.out;
  EXPECT_TRUE(
      absl::StrContains(c_.Ctl({"--token=wrong-token-000000000", "jobs"}).out, "UNAUTHENTICATED"));
}

TEST_F(SecurityTest, ANodeMaySpeakOnlyForItself) {
  // gpu-1's token used to register as gpu-2: refused, and the agent gives up.
  Process* impostor = c_.StartAgent("gpu-2", Src("examples/inventories/x86-h20.json"),
                                    {"--token_file=" + c_.File("gpu1.token")});
  EXPECT_EQ(impostor->Wait(absl::Seconds(10)), 1);
  const std::string log = Slurp(c_.File("agent-gpu-2.log"));
  EXPECT_TRUE(absl::StrContains(log, "PERMISSION_DENIED")) << log;

  c_.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"),
                {"--token_file=" + c_.File("gpu1.token")});
  EXPECT_TRUE(WaitFor(
      [&] {
        return absl::StrContains(c_.Ctl({"--token=tok-admin-0123456789", "nodes"}).out, " Ready ");
      },
      absl::Seconds(10)))
      << c_.Logs();
}

}  // namespace
}  // namespace manychip::testing
