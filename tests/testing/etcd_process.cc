#include "tests/testing/etcd_process.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "grpcpp/create_channel.h"

namespace manychip::testing {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> FindEtcd() {
  if (const char* env = std::getenv("MANYCHIP_ETCD"); env != nullptr && *env != '\0') {
    if (access(env, X_OK) == 0) return std::string(env);
    return absl::FailedPreconditionError(
        absl::StrCat("$MANYCHIP_ETCD=", env, " is not an executable file"));
  }
  const char* path = std::getenv("PATH");
  std::vector<std::string> dirs = absl::StrSplit(path != nullptr ? path : "", ':');
  dirs.push_back("/usr/bin");
  dirs.push_back("/usr/local/bin");
  for (const std::string& d : dirs) {
    if (d.empty()) continue;
    const std::string candidate = d + "/etcd";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::FailedPreconditionError(
      "etcd binary not found in PATH (nor $MANYCHIP_ETCD): install Debian's etcd-server, e.g. "
      "with scripts/bootstrap.sh; the etcd store tests need a real etcd");
}

// `n` distinct free loopback ports, held open together so none repeats.
absl::StatusOr<std::vector<int>> FreePorts(int n) {
  std::vector<int> fds;
  std::vector<int> ports;
  absl::Status err;
  for (int i = 0; i < n && err.ok(); ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      err = absl::InternalError("cannot bind a loopback port");
    } else {
      ports.push_back(ntohs(a.sin_port));
    }
    if (fd >= 0) fds.push_back(fd);
  }
  for (int fd : fds) close(fd);
  if (!err.ok()) return err;
  return ports;
}

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string s = ss.str();
  return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdCluster>> EtcdCluster::Start(int members, EtcdOptions options) {
  if (members < 1) return absl::InvalidArgumentError("members: must be >= 1");
  absl::StatusOr<std::string> bin = FindEtcd();
  if (!bin.ok()) return bin.status();
  // A port taken between FreePorts and etcd's bind makes a member exit;
  // start over with new ports a few times.
  absl::Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<EtcdCluster> c(new EtcdCluster());
    c->binary_ = *bin;
    c->options_ = options;
    char tmpl[] = "/tmp/mc-etcd-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
    c->dir_ = tmpl;
    absl::StatusOr<std::vector<int>> ports = FreePorts(2 * members);
    if (!ports.ok()) return ports.status();
    std::vector<std::string> peers;
    for (int i = 0; i < members; ++i) {
      Member m;
      m.name = absl::StrCat("m", i);
      m.client_port = (*ports)[2 * i];
      m.peer_port = (*ports)[2 * i + 1];
      m.data_dir = absl::StrCat(c->dir_, "/", m.name, ".etcd");
      m.log = absl::StrCat(c->dir_, "/", m.name, ".log");
      peers.push_back(absl::StrCat(m.name, "=http://127.0.0.1:", m.peer_port));
      c->members_.push_back(std::move(m));
    }
    c->initial_cluster_ = absl::StrJoin(peers, ",");
    last = absl::OkStatus();
    for (Member& m : c->members_) {
      last = c->Spawn(m, /*initial=*/true);
      if (!last.ok()) break;
    }
    const absl::Time deadline = absl::Now() + options.start_timeout;
    for (Member& m : c->members_) {
      if (!last.ok()) break;
      last = c->WaitReady(m, deadline);
    }
    if (last.ok()) return c;
  }
  return last;
}

EtcdCluster::~EtcdCluster() {
  for (Member& m : members_) m.process.reset();  // SIGKILL and reap
  if (!dir_.empty() && std::getenv("MANYCHIP_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

absl::Status EtcdCluster::Spawn(Member& m, bool initial) {
  const std::string client = absl::StrCat("http://127.0.0.1:", m.client_port);
  const std::string peer = absl::StrCat("http://127.0.0.1:", m.peer_port);
  std::vector<std::string> argv = {
      binary_,
      "--name=" + m.name,
      "--data-dir=" + m.data_dir,
      "--listen-client-urls=" + client,
      "--advertise-client-urls=" + client,
      "--listen-peer-urls=" + peer,
      "--initial-advertise-peer-urls=" + peer,
      "--initial-cluster=" + initial_cluster_,
      std::string("--initial-cluster-state=") + (initial ? "new" : "existing"),
      "--initial-cluster-token=" + dir_,
      "--log-level=warn"};
  argv.insert(argv.end(), options_.extra_flags.begin(), options_.extra_flags.end());
  m.process = std::make_unique<Process>(argv, m.log);
  if (m.process->pid() <= 0) {
    return absl::InternalError(absl::StrCat("cannot spawn ", binary_));
  }
  return absl::OkStatus();
}

absl::Status EtcdCluster::WaitReady(Member& m, absl::Time deadline) {
  bool ready = false;
  WaitFor(
      [&] {
        if (!m.process->running()) return true;
        // A new channel each time: a channel that failed to connect backs
        // off (up to minutes) before it tries again.
        auto stub = etcdserverpb::KV::NewStub(grpc::CreateChannel(
            absl::StrCat("127.0.0.1:", m.client_port), grpc::InsecureChannelCredentials()));
        grpc::ClientContext ctx;
        ctx.set_wait_for_ready(true);
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
        etcdserverpb::RangeRequest req;
        req.set_key("/manychip-test-probe");
        etcdserverpb::RangeResponse resp;
        ready = stub->Range(&ctx, req, &resp).ok();
        return ready;
      },
      deadline - absl::Now());
  if (ready) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("etcd member ", m.name, " on 127.0.0.1:", m.client_port,
                   m.process->running() ? " did not answer in time" : " exited", "; log ", m.log,
                   ":\n", Tail(m.log)));
}

std::string EtcdCluster::endpoint(int i) const {
  return absl::StrCat("127.0.0.1:", members_[i].client_port);
}

std::string EtcdCluster::endpoints_text() const {
  std::vector<std::string> eps;
  for (int i = 0; i < size(); ++i) eps.push_back(endpoint(i));
  return absl::StrJoin(eps, ",");
}

void EtcdCluster::Kill(int i, int sig) {
  if (members_[i].process) members_[i].process->Kill(sig);
}

absl::Status EtcdCluster::Restart(int i) {
  Member& m = members_[i];
  if (m.process && m.process->running()) m.process->Kill(SIGKILL);
  // The data dir already holds the membership; "existing" is what etcd
  // expects for a member rejoining.
  if (absl::Status s = Spawn(m, /*initial=*/false); !s.ok()) return s;
  return WaitReady(m, absl::Now() + options_.start_timeout);
}

bool EtcdCluster::running(int i) { return members_[i].process && members_[i].process->running(); }

const std::string& EtcdCluster::log(int i) const { return members_[i].log; }

}  // namespace manychip::testing
