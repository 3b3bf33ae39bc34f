// manychipd with `--state etcd://...`: a real etcd on loopback keeps the
// jobs across a kill -9 of the daemon, and a bad or unreachable etcd URL is a
// clear startup error.

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/testing/etcd_process.h"

namespace manychip::testing {
namespace {

std::string Submit(Cluster& c, const std::string& file) {
  CtlResult r = c.Ctl({"submit", file});
  EXPECT_EQ(r.code, 0) << r.out;
  return std::string(absl::StripTrailingAsciiWhitespace(r.out));
}

TEST(EtcdStateTest, JobsSurviveDaemonKill9OnEtcd) {
  auto etcd = EtcdCluster::Start(1);
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  const std::string state = absl::StrCat("--state=etcd://", (*etcd)->endpoints_text(), "/it");
  Cluster c;
  ASSERT_TRUE(c.StartDaemon({state})) << c.Logs();
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(10))) << c.Logs();
  const std::string done = Submit(c, c.JobFile("done.json", ShellJob("team-a", 1, 1, "true")));
  // 16 cards never fit the 8-card node: stays pending across the restart.
  const std::string pending = Submit(c, c.JobFile("pend.json", ShellJob("team-a", 1, 16, "true")));
  ASSERT_TRUE(c.WaitPhase(done, v1::SUCCEEDED, absl::Seconds(15))) << c.Logs();

  const int port = c.port();
  c.StopDaemon(SIGKILL);
  ASSERT_TRUE(c.StartDaemon({state}, port)) << c.Logs();
  auto d = c.GetJob(done);
  ASSERT_TRUE(d.ok()) << d.status() << c.Logs();
  EXPECT_EQ(d->phase(), v1::SUCCEEDED);
  auto p = c.GetJob(pending);
  ASSERT_TRUE(p.ok()) << p.status() << c.Logs();
  EXPECT_EQ(p->phase(), v1::PENDING);
  EXPECT_FALSE(std::filesystem::exists(c.File("state.db")))
      << "--state etcd:// must not fall back to the SQLite file";
}

TEST(EtcdStateTest, UnreachableOrMalformedEtcdUrlIsAClearStartupError) {
  {
    Cluster c;
    EXPECT_FALSE(c.StartDaemon({"--state=etcd://127.0.0.1:1/x"}));
    EXPECT_EQ(c.daemon()->Wait(), 1);
    const std::string log = Slurp(c.File("manychipd.log"));
    EXPECT_TRUE(absl::StrContains(log, "UNAVAILABLE")) << log;
    EXPECT_TRUE(absl::StrContains(log, "127.0.0.1:1")) << log;
  }
  {
    Cluster c;
    EXPECT_FALSE(c.StartDaemon({"--state=etcd://127.0.0.1/x"}));
    EXPECT_NE(c.daemon()->Wait(), 0);
    const std::string log = Slurp(c.File("manychipd.log"));
    EXPECT_TRUE(absl::StrContains(log, "missing :PORT")) << log;
  }
}

}  // namespace
}  // namespace manychip::testing
