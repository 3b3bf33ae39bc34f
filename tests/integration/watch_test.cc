// WatchJobs streams against a real manychipd: many streams from clients
// that die with them open must not take the daemon down (issue #14).

#include <signal.h>

#include <atomic>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace manychip::testing {
namespace {

// Submits `n` jobs that stay pending (there are no agents); each one is an
// event for every watcher.
void SubmitPending(Cluster& c, int n, int first) {
  auto stub = c.Client();
  for (int i = 0; i < n; ++i) {
    v1::SubmitJobRequest req;
    ASSERT_TRUE(codec::ParseJson(ShellJob("team-a", 1, 1, "true"), "job", req.mutable_job()).ok());
    req.mutable_job()->set_name(absl::StrCat("pending-", first + i));
    v1::SubmitJobResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status s = stub->SubmitJob(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
}

int CountJobs(Cluster& c) {
  auto stub = c.Client();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::ListJobsResponse resp;
  if (!stub->ListJobs(&ctx, v1::ListJobsRequest(), &resp).ok()) return -1;
  return resp.jobs_size();
}

// The crash of issue #14 item 1: the controller wrote to a watch stream
// that a gRPC thread had just finished and deleted. Each round a client
// opens many streams over several connections, and is killed while every
// new job is an event the controller writes to each of them.
TEST(WatchTest, DaemonSurvivesClientsKilledWithManyOpenStreams) {
  constexpr int kJobs = 50;
  constexpr int kRounds = 4;
  constexpr int kStreams = 1000;
  constexpr int kMaxSubmitsPerRound = 200;
  Cluster c;
  ASSERT_TRUE(c.StartDaemon({"--state=:memory:"})) << c.Logs();
  SubmitPending(c, kJobs, 0);
  int jobs = kJobs;
  for (int round = 0; round < kRounds; ++round) {
    const std::string log = c.File(absl::StrCat("flood-", round, ".log"));
    Process flood({Bin("manychip_watch_flood"), "--server=" + c.address(), "--channels=10",
                   absl::StrCat("--streams=", kStreams), absl::StrCat("--ready=", kStreams)},
                  log);
    ASSERT_TRUE(WaitFor([&] { return absl::StrContains(Slurp(log), "ready") || !flood.running(); },
                        absl::Seconds(60)))
        << "round " << round << ": the streams never started\n"
        << Slurp(log) << c.Logs();
    ASSERT_TRUE(flood.running()) << Slurp(log);
    // Events for every stream, before, while and after the client dies.
    std::atomic<bool> stop{false};
    std::atomic<int> submitted{0};
    std::thread submitter([&] {
      for (int i = 0; i < kMaxSubmitsPerRound && !stop.load(); ++i) {
        SubmitPending(c, 1, jobs + i);
        submitted.fetch_add(1);
      }
    });
    EXPECT_TRUE(WaitFor([&] { return submitted.load() >= 5; }, absl::Seconds(60)));
    flood.Kill(SIGKILL);
    const int at_kill = submitted.load();
    EXPECT_TRUE(WaitFor([&] { return submitted.load() >= at_kill + 10; }, absl::Seconds(60)));
    stop.store(true);
    submitter.join();
    jobs += submitted.load();
    ASSERT_TRUE(c.daemon()->running()) << "round " << round << "\n" << c.Logs();
  }
  // The daemon is alive and its controller answers after every stream ended.
  EXPECT_EQ(CountJobs(c), jobs) << c.Logs();
  EXPECT_TRUE(c.daemon()->running()) << c.Logs();
}

}  // namespace
}  // namespace manychip::testing
