// HA on etcd (docs/ha.md): real manychipd replicas on a real etcd cluster on
// loopback, agents given every replica's address, and the faults the
// election and the fencing exist for:
//  - kill -9 of the leader under a stream of submits, several rounds: a
//    standby takes over, every acknowledged job exists, nothing is launched
//    twice; each round measures kill -> the new leader's first placement;
//  - SIGSTOP of the leader for longer than the lease: a standby takes over;
//    on SIGCONT the old leader's fenced write fails (a test hook keeps its
//    lease renewal from stepping down first) and it exits 3 having written
//    and launched nothing;
//  - one etcd member of three killed: no interruption; then a second, so
//    the quorum is lost: SubmitJob answers UNAVAILABLE and
//    nothing is acknowledged that is lost; service resumes when it returns.
// The leases are 2 s so the suite stays short (MANYCHIP_HA_TEST_LEASE
// overrides it to measure failover at another lease).

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "manychip/service/leader_targets.h"
#include "tests/integration/harness.h"
#include "tests/testing/etcd_process.h"

namespace manychip::testing {
namespace {

// MANYCHIP_HA_TEST_LEASE=10s measures failover at the default lease.
std::string Lease() {
  const char* e = std::getenv("MANYCHIP_HA_TEST_LEASE");
  return e != nullptr ? e : "2s";
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// Replicas of one manychipd on one etcd prefix, agents dialing all of them.
class Ha {
 public:
  Ha(int etcd_members, int replicas, std::vector<std::string> extra = {})
      : extra_(std::move(extra)) {
    auto etcd = EtcdCluster::Start(etcd_members);
    EXPECT_TRUE(etcd.ok()) << etcd.status();
    if (!etcd.ok()) return;
    etcd_ = *std::move(etcd);
    ports_.assign(replicas, 0);
    procs_.resize(replicas);
    for (int i = 0; i < replicas; ++i) EXPECT_TRUE(StartReplica(i)) << Logs();
  }
  ~Ha() {
    for (auto& [name, p] : agents_) {
      if (p->running()) ::kill(p->pid(), SIGTERM);
    }
    for (auto& [name, p] : agents_) {
      if (p->Wait(absl::Seconds(5)) < 0) p->Kill(SIGKILL);
    }
  }
  bool ok() const { return etcd_ != nullptr; }
  Cluster& files() { return files_; }
  EtcdCluster& etcd() { return *etcd_; }
  int replicas() const { return static_cast<int>(ports_.size()); }
  Process* replica(int i) { return procs_[i].get(); }
  std::string address(int i) const { return absl::StrCat("127.0.0.1:", ports_[i]); }
  std::string addresses() const {
    std::vector<std::string> all;
    for (int i = 0; i < replicas(); ++i) all.push_back(address(i));
    return absl::StrJoin(all, ",");
  }
  std::string log(int i) const { return files_.File(absl::StrCat("replica-", i, ".log")); }

  // Starts replica `i` (again on its port after the first start).
  bool StartReplica(int i) {
    const std::string port_file = files_.File(absl::StrCat("port-", i));
    std::filesystem::remove(port_file);
    std::vector<std::string> argv = {
        Bin("manychipd"), absl::StrCat("--listen=127.0.0.1:", ports_[i]),
        absl::StrCat("--state=etcd://", etcd_->endpoints_text(), "/ha"),
        absl::StrCat("--leader_lease=", Lease()),
        "--catalog=" + Src("examples/catalog/devices.json"), "--port_file=" + port_file,
        "--heartbeat_interval=200ms",
        // Longer than a failover, so tasks are adopted rather than requeued.
        "--node_grace=15s", "--cycle_interval=50ms", "--stop_grace=1s"};
    argv.insert(argv.end(), extra_.begin(), extra_.end());
    procs_[i] = std::make_unique<Process>(argv, log(i));
    int port = 0;
    const bool up = WaitFor(
        [&] {
          std::ifstream in(port_file);
          return static_cast<bool>(in >> port) || !procs_[i]->running();
        },
        absl::Seconds(15));
    if (!up || port <= 0 || !procs_[i]->running()) return false;
    if (ports_[i] == 0) ports_[i] = port;  // a restart binds the same port
    return ports_[i] == port;
  }

  void StartAgent(const std::string& node) {
    std::filesystem::create_directories(files_.File("agent-" + node));
    std::vector<std::string> argv = {Bin("manychip-agent"),
                                     "--server=" + addresses(),
                                     "--node=" + node,
                                     "--inventory=" + Src("examples/inventories/x86-h20.json"),
                                     "--catalog=" + Src("examples/catalog/devices.json"),
                                     "--workdir=" + files_.File("agent-" + node),
                                     "--health_poll=100ms",
                                     "--backoff_initial=50ms",
                                     "--backoff_max=300ms",
                                     "--stop_grace=1s"};
    agents_[node] = std::make_unique<Process>(argv, files_.File("agent-" + node + ".log"));
  }

  std::unique_ptr<v1::Scheduler::Stub> Stub(const std::string& address) {
    return v1::Scheduler::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }

  // The replica that answers GetLeader itself, or -1.
  int Leader() {
    for (int i = 0; i < replicas(); ++i) {
      if (procs_[i] == nullptr || !procs_[i]->running()) continue;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
      v1::GetLeaderResponse resp;
      if (Stub(address(i))->GetLeader(&ctx, v1::GetLeaderRequest(), &resp).ok()) return i;
    }
    return -1;
  }

  // A call through the leader: follows `manychip-leader` hints like the
  // clients do, bounded by LeaderTargets' tries and `deadline` per try.
  template <class Call>
  grpc::Status ViaLeader(Call call, absl::Duration deadline = absl::Seconds(3)) {
    auto targets = LeaderTargets::Parse(addresses());
    grpc::Status s(grpc::StatusCode::UNAVAILABLE, "no try");
    for (int i = 0; i < targets->max_tries(); ++i) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
      s = call(*Stub(targets->current()), ctx);
      if (s.error_code() != grpc::StatusCode::UNAVAILABLE &&
          s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
        return s;
      }
      targets->Failed(LeaderHint(ctx));
    }
    return s;
  }

  grpc::Status Submit(const v1::Job& job, std::string* id,
                      absl::Duration deadline = absl::Seconds(3)) {
    return ViaLeader(
        [&](v1::Scheduler::Stub& stub, grpc::ClientContext& ctx) {
          v1::SubmitJobRequest req;
          *req.mutable_job() = job;
          v1::SubmitJobResponse resp;
          grpc::Status s = stub.SubmitJob(&ctx, req, &resp);
          if (s.ok()) *id = resp.job_id();
          return s;
        },
        deadline);
  }

  absl::StatusOr<v1::JobStatus> GetJob(const std::string& id) {
    v1::JobStatus st;
    grpc::Status s = ViaLeader([&](v1::Scheduler::Stub& stub, grpc::ClientContext& ctx) {
      v1::GetJobRequest req;
      req.set_job_id(id);
      return stub.GetJob(&ctx, req, &st);
    });
    if (!s.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    }
    return st;
  }

  bool Placed(const std::string& id) {
    auto j = GetJob(id);
    if (!j.ok()) return false;
    for (const auto& t : j->tasks()) {
      if (!t.node().empty()) return true;
    }
    return false;
  }

  int ReadyNodes() {
    v1::ListNodesResponse resp;
    grpc::Status s = ViaLeader([&](v1::Scheduler::Stub& stub, grpc::ClientContext& ctx) {
      return stub.ListNodes(&ctx, v1::ListNodesRequest(), &resp);
    });
    int n = 0;
    for (const auto& node : resp.nodes()) n += s.ok() && node.condition() == v1::READY;
    return n;
  }

  std::string Logs() {
    std::string out;
    for (int i = 0; i < replicas(); ++i) {
      absl::StrAppend(&out, "--- replica ", i, " ---\n", Slurp(log(i)));
    }
    for (const auto& [name, p] : agents_) {
      absl::StrAppend(&out, "--- agent ", name, " ---\n",
                      Slurp(files_.File("agent-" + name + ".log")));
    }
    return out;
  }

 private:
  const std::vector<std::string> extra_;  // more manychipd flags
  Cluster files_;                         // the temp dir (no daemon of its own)
  std::unique_ptr<EtcdCluster> etcd_;
  std::vector<int> ports_;
  std::vector<std::unique_ptr<Process>> procs_;
  std::map<std::string, std::unique_ptr<Process>> agents_;
};

v1::Job ParseJob(const std::string& json) {
  v1::Job job;
  EXPECT_TRUE(codec::ParseJson(json, "ha job", &job).ok()) << json;
  return job;
}

// Each task records "<task id>:<attempt>" when it starts.
std::string LaunchScript(const std::string& launches, const std::string& then = "true") {
  return absl::StrCat(R"(echo "$MANYCHIP_TASK_ID:$MANYCHIP_ATTEMPT" >> )", launches, "; ", then);
}

// The established TCP connections on local port `port`, by remote port, with
// the bytes the kernel holds unread on each (/proc/net/tcp and tcp6). A
// stopped process cannot read, so a request sent to it stays counted here.
std::map<int, int64_t> UnreadBytesByPeer(int port) {
  std::map<int, int64_t> out;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    for (const std::string& line : Lines(Slurp(table))) {
      // sl local_address rem_address st tx_queue:rx_queue ...
      std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (f.size() < 5 || f[3] != "01") continue;  // 01: ESTABLISHED
      const size_t local = f[1].rfind(':');
      const size_t remote = f[2].rfind(':');
      const size_t q = f[4].find(':');
      int local_port = 0, remote_port = 0;
      int64_t rx = 0;
      if (local == std::string::npos || remote == std::string::npos || q == std::string::npos ||
          !absl::SimpleHexAtoi(f[1].substr(local + 1), &local_port) || local_port != port ||
          !absl::SimpleHexAtoi(f[2].substr(remote + 1), &remote_port) ||
          !absl::SimpleHexAtoi(f[4].substr(q + 1), &rx)) {
        continue;
      }
      out[remote_port] += rx;
    }
  }
  return out;
}

void ExpectNoLaunchTwice(const std::string& launches) {
  std::set<std::string> seen;
  for (const std::string& line : Lines(Slurp(launches))) {
    EXPECT_TRUE(seen.insert(line).second) << line << " launched twice";
  }
}

// Submits from its own thread until `stop`, one job at a time, each through
// the leader; keeps the ids acknowledged. Bounded by count, and kept at most
// kAhead jobs ahead of the launches (`launched()`), so kills land among
// submits, launches and exits rather than after a burst.
class Submitter {
 public:
  static constexpr int kAhead = 8;
  Submitter(Ha& ha, v1::Job job, int max_jobs, std::function<int()> launched)
      : ha_(ha), job_(std::move(job)) {
    thread_ = std::thread([this, max_jobs, launched = std::move(launched)] {
      for (int i = 0; i < max_jobs && !stop_.load(); ++i) {
        // Pacing only: a stalled cluster is the main thread's finding.
        (void)WaitFor([&] { return stop_.load() || launched() >= acknowledged() - kAhead; },
                      absl::Seconds(5));
        std::string id;
        if (ha_.Submit(job_, &id, absl::Seconds(2)).ok()) {
          absl::MutexLock lock(&mu_);
          acked_.push_back(id);
        }
      }
    });
  }
  ~Submitter() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int acknowledged() {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(acked_.size());
  }
  std::vector<std::string> acked() {
    absl::MutexLock lock(&mu_);
    return acked_;
  }

 private:
  Ha& ha_;
  const v1::Job job_;
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  std::vector<std::string> acked_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

TEST(HaTest, KilledLeaderIsReplacedLosingNoJobAndLaunchingNothingTwice) {
  constexpr int kRounds = 6;
  Ha ha(3, 3);
  ASSERT_TRUE(ha.ok());
  ASSERT_GE(ha.Leader(), 0) << ha.Logs();
  ha.StartAgent("gpu-1");
  ha.StartAgent("gpu-2");
  ASSERT_TRUE(WaitFor([&] { return ha.ReadyNodes() == 2; }, absl::Seconds(15))) << ha.Logs();
  const std::string launches = ha.files().File("launches.log");
  // Tasks that run a moment, so kills land among launches, runs and exits.
  const v1::Job job = ParseJob(ShellJob("team-a", 1, 1, LaunchScript(launches, "sleep 0.5")));
  Submitter submitter(ha, job, 400,
                      [&] { return static_cast<int>(Lines(Slurp(launches)).size()); });

  std::vector<double> failover_s;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const int before = submitter.acknowledged();
    ASSERT_TRUE(WaitFor([&] { return submitter.acknowledged() >= before + 3; }, absl::Seconds(20)))
        << ha.Logs();
    const int leader = ha.Leader();
    ASSERT_GE(leader, 0) << ha.Logs();
    const absl::Time killed = absl::Now();
    ha.replica(leader)->Kill(SIGKILL);
    // The new leader's first placement: a job submitted after the kill gets
    // a node.
    std::string probe;
    ASSERT_TRUE(WaitFor([&] { return ha.Submit(job, &probe).ok(); }, absl::Seconds(20)))
        << ha.Logs();
    ASSERT_TRUE(WaitFor([&] { return ha.Placed(probe); }, absl::Seconds(20))) << ha.Logs();
    failover_s.push_back(absl::ToDoubleSeconds(absl::Now() - killed));
    const int next = ha.Leader();
    EXPECT_NE(next, leader);
    // The old leader comes back as a standby.
    ASSERT_TRUE(ha.StartReplica(leader)) << ha.Logs();
    EXPECT_EQ(ha.Leader(), next) << "a restarted replica took over from a live leader";
  }
  submitter.Stop();
  std::sort(failover_s.begin(), failover_s.end());
  std::printf(
      "HA failover (lease %s, kill -9 -> first placement) over %d rounds: median %.2f s, "
      "max %.2f s\n",
      Lease().c_str(), kRounds, failover_s[failover_s.size() / 2], failover_s.back());
  const std::vector<std::string> ids = submitter.acked();
  ASSERT_GE(ids.size(), static_cast<size_t>(3 * kRounds));
  // Every acknowledged job exists and ends SUCCEEDED (its task exits 0).
  std::vector<std::string> missing;
  ASSERT_TRUE(WaitFor(
      [&] {
        missing.clear();
        for (const std::string& id : ids) {
          auto j = ha.GetJob(id);
          if (!j.ok() || j->phase() != v1::SUCCEEDED) missing.push_back(id);
        }
        return missing.empty();
      },
      absl::Seconds(40)))
      << "not succeeded: " << absl::StrJoin(missing, ",") << "\n"
      << ha.Logs();
  // Tasks running at a kill were adopted by the next leader from the
  // agents' re-registration, not launched again under the same attempt.
  ExpectNoLaunchTwice(launches);
}

// The old leader's renewal would also notice the lapsed lease on waking and
// step down; the test hook leaves that to the fence, so what deposes it here
// is etcd refusing its write.
TEST(HaTest, PausedLeaderIsFencedAndStepsDownLaunchingNothing) {
  Ha ha(1, 2, {"--test_ignore_lease_loss"});
  ASSERT_TRUE(ha.ok());
  const int old = ha.Leader();
  ASSERT_GE(old, 0) << ha.Logs();
  ha.StartAgent("gpu-1");
  ASSERT_TRUE(WaitFor([&] { return ha.ReadyNodes() == 1; }, absl::Seconds(15))) << ha.Logs();
  const std::string launches = ha.files().File("launches.log");
  const v1::Job job = ParseJob(ShellJob("team-a", 1, 1, LaunchScript(launches)));
  std::string first;
  ASSERT_TRUE(ha.Submit(job, &first).ok()) << ha.Logs();

  ::kill(ha.replica(old)->pid(), SIGSTOP);
  const int standby = 1 - old;
  ASSERT_TRUE(WaitFor([&] { return ha.Leader() == standby; }, absl::Seconds(15))) << ha.Logs();
  // A write for the paused leader: its request waits in the socket and is
  // handled the moment it wakes, under its old term.
  int port = 0;
  const std::string old_address = ha.address(old);
  ASSERT_TRUE(absl::SimpleAtoi(old_address.substr(old_address.rfind(':') + 1), &port))
      << old_address;
  const std::map<int, int64_t> before = UnreadBytesByPeer(port);
  std::atomic<int> paused_code{-1};
  std::thread paused_submit([&] {
    v1::Job j = job;
    j.set_id("written-by-the-paused-leader");
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
    v1::SubmitJobRequest req;
    *req.mutable_job() = j;
    v1::SubmitJobResponse resp;
    // A connection of its own (not a pooled one), so the wait below can
    // tell this request's bytes from other callers'.
    grpc::ChannelArguments own;
    own.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto stub = v1::Scheduler::NewStub(
        grpc::CreateCustomChannel(old_address, grpc::InsecureChannelCredentials(), own));
    paused_code = static_cast<int>(stub->SubmitJob(&ctx, req, &resp).error_code());
  });
  // SIGCONT once the request waits unread in the paused leader's socket: a
  // connection that was not there before, holding bytes.
  EXPECT_TRUE(WaitFor(
      [&] {
        for (const auto& [peer, unread] : UnreadBytesByPeer(port)) {
          if (!before.contains(peer) && unread > 0) return true;
        }
        return false;
      },
      absl::Seconds(10)))
      << "the request never reached " << old_address;
  ::kill(ha.replica(old)->pid(), SIGCONT);
  EXPECT_EQ(ha.replica(old)->Wait(absl::Seconds(15)), 3) << "the old leader did not step down\n"
                                                         << ha.Logs();
  paused_submit.join();
  EXPECT_NE(paused_code.load(), 0) << "a deposed leader acknowledged a job";
  const std::string old_log = Slurp(ha.log(old));
  EXPECT_TRUE(absl::StrContains(old_log, "deposed, stepping down: FAILED_PRECONDITION: fenced:"))
      << old_log;
  auto ghost = ha.GetJob("written-by-the-paused-leader");
  EXPECT_EQ(ghost.status().code(), absl::StatusCode::kNotFound) << ghost.status();

  // The new leader serves: the agent follows it, and a new job runs.
  std::string second;
  ASSERT_TRUE(WaitFor([&] { return ha.Submit(job, &second).ok(); }, absl::Seconds(10)))
      << ha.Logs();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto j = ha.GetJob(second);
        return j.ok() && j->phase() == v1::SUCCEEDED;
      },
      absl::Seconds(20)))
      << ha.Logs();
  auto f = ha.GetJob(first);
  ASSERT_TRUE(f.ok()) << f.status();
  ExpectNoLaunchTwice(launches);
  EXPECT_FALSE(absl::StrContains(Slurp(launches), "written-by-the-paused-leader"));
}

TEST(HaTest, QuorumLossRefusesSubmitsAndServiceResumesWithIt) {
  Ha ha(3, 2);
  ASSERT_TRUE(ha.ok());
  ASSERT_GE(ha.Leader(), 0) << ha.Logs();
  const v1::Job job = ParseJob(ShellJob("team-a", 1, 16, "true"));  // stays PENDING
  std::vector<std::string> acked;
  std::string id;
  ASSERT_TRUE(ha.Submit(job, &id).ok()) << ha.Logs();
  acked.push_back(id);

  // One member of three down: a quorum remains, so a submit goes through
  // (the client's own retries at most).
  ha.etcd().Kill(1, SIGKILL);
  ASSERT_TRUE(ha.Submit(job, &id, absl::Seconds(5)).ok()) << ha.Logs();
  acked.push_back(id);
  ha.etcd().Kill(2, SIGKILL);
  // Without quorum nothing is durable, so nothing is acknowledged: the
  // leader answers UNAVAILABLE (at once once it cannot renew its lease).
  grpc::Status refused;
  ASSERT_TRUE(WaitFor(
      [&] {
        refused = ha.Submit(job, &id, absl::Seconds(8));
        if (refused.ok()) acked.push_back(id);
        return refused.error_code() == grpc::StatusCode::UNAVAILABLE;
      },
      absl::Seconds(30)))
      << ha.Logs();
  EXPECT_LE(acked.size(), 4u);

  ASSERT_TRUE(ha.etcd().Restart(1).ok()) << ha.etcd().log(1);
  ASSERT_TRUE(ha.etcd().Restart(2).ok()) << ha.etcd().log(2);
  ASSERT_TRUE(WaitFor(
      [&] {
        if (!ha.Submit(job, &id).ok()) return false;
        acked.push_back(id);
        return true;
      },
      absl::Seconds(30)))
      << ha.Logs();
  for (const std::string& a : acked) {
    auto j = ha.GetJob(a);
    EXPECT_TRUE(j.ok()) << "acknowledged job " << a << " lost: " << j.status();
  }
}

}  // namespace
}  // namespace manychip::testing
