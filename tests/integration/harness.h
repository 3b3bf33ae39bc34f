#pragma once

// Test harness for the control plane: the real manychipd, manychip-agent and
// manychipctl binaries as child processes on loopback (port 0), each test in
// its own temp dir. Every child is killed when the harness goes away.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "manychip/codec/json.h"
#include "manychip/v1/agent.grpc.pb.h"
#include "manychip/v1/scheduler.grpc.pb.h"
#include "tests/testing/child_process.h"

extern char** environ;

namespace manychip::testing {

inline std::string Bin(const std::string& name) {
  return absl::StrCat(MANYCHIP_BINARY_DIR, "/bin/", name);
}
inline std::string Src(const std::string& rel) {
  return absl::StrCat(MANYCHIP_SOURCE_DIR, "/", rel);
}

// The peak resident set of `pid` in KiB (VmHWM of /proc/PID/status), or -1.
inline int64_t PeakRssKib(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    int64_t kib = -1;
    if (fields >> kib) return kib;
  }
  return -1;
}

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CtlResult {
  int code = -1;
  std::string out;  // stdout + stderr
};

class Cluster {
 public:
  Cluster() {
    char tmpl[] = "/tmp/mc-it-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~Cluster() {
    // SIGTERM first: agents stop their tasks' process groups on the way out.
    for (auto& [name, p] : agents_) {
      if (p->running()) ::kill(p->pid(), SIGTERM);
    }
    for (auto& [name, p] : agents_) {
      if (p->Wait(absl::Seconds(5)) < 0) p->Kill(SIGKILL);
    }
    agents_.clear();
    daemon_.reset();
    if (std::getenv("MANYCHIP_KEEP_TEST_DIRS") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  const std::string& dir() const { return dir_; }
  std::string File(const std::string& name) const { return absl::StrCat(dir_, "/", name); }
  int port() const { return port_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

  // Starts manychipd; `port` 0 = any (a restart passes the old port).
  bool StartDaemon(std::vector<std::string> extra = {}, int port = 0) {
    std::filesystem::remove(File("port"));
    std::vector<std::string> argv = {Bin("manychipd"),
                                     absl::StrCat("--listen=127.0.0.1:", port),
                                     "--state=" + File("state.db"),
                                     "--catalog=" + Src("examples/catalog/devices.json"),
                                     "--port_file=" + File("port"),
                                     "--heartbeat_interval=200ms",
                                     "--node_grace=1500ms",
                                     "--cycle_interval=50ms",
                                     "--stop_grace=1s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    daemon_ = std::make_unique<Process>(argv, File("manychipd.log"));
    const bool up = WaitFor(
        [&] {
          std::ifstream in(File("port"));
          return static_cast<bool>(in >> port_) || !daemon_->running();
        },
        absl::Seconds(15));
    return up && daemon_->running() && port_ > 0;
  }

  Process* daemon() { return daemon_.get(); }
  void StopDaemon(int sig) {
    if (daemon_) daemon_->Kill(sig);
  }

  Process* StartAgent(const std::string& node, const std::string& inventory,
                      std::vector<std::string> extra = {}) {
    std::filesystem::create_directories(File("agent-" + node));
    std::vector<std::string> argv = {Bin("manychip-agent"),
                                     "--server=" + address(),
                                     "--node=" + node,
                                     "--inventory=" + inventory,
                                     "--catalog=" + Src("examples/catalog/devices.json"),
                                     "--workdir=" + File("agent-" + node),
                                     "--health_poll=100ms",
                                     "--backoff_initial=50ms",
                                     "--backoff_max=300ms",
                                     "--stop_grace=1s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = std::make_unique<Process>(argv, File("agent-" + node + ".log"));
    Process* raw = p.get();
    agents_[node] = std::move(p);
    return raw;
  }
  Process* agent(const std::string& node) { return agents_[node].get(); }

  // Copies an example inventory so a test can flip device health in it.
  std::string Inventory(const std::string& example, const std::string& copy_name) {
    const std::string path = File(copy_name);
    std::filesystem::copy_file(Src("examples/inventories/" + example), path,
                               std::filesystem::copy_options::overwrite_existing);
    return path;
  }

  std::unique_ptr<v1::Scheduler::Stub> Client() {
    return v1::Scheduler::NewStub(
        grpc::CreateChannel(address(), grpc::InsecureChannelCredentials()));
  }
  std::unique_ptr<v1::AgentGateway::Stub> Gateway() {
    return v1::AgentGateway::NewStub(
        grpc::CreateChannel(address(), grpc::InsecureChannelCredentials()));
  }

  // Runs manychipctl with `args` against this daemon.
  CtlResult Ctl(const std::vector<std::string>& args) {
    std::string cmd = absl::StrCat(Bin("manychipctl"), " --server=", address());
    for (const std::string& a : args) absl::StrAppend(&cmd, " '", a, "'");
    absl::StrAppend(&cmd, " 2>&1");
    CtlResult r;
    FILE* f = popen(cmd.c_str(), "r");
    if (f == nullptr) return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) r.out.append(buf, n);
    const int st = pclose(f);
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
  }

  // Writes a job JSON file and returns its path.
  std::string JobFile(const std::string& name, const std::string& json) {
    const std::string path = File(name);
    std::ofstream(path) << json;
    return path;
  }

  absl::StatusOr<v1::JobStatus> GetJob(const std::string& id, const std::string& token = "") {
    auto stub = Client();
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    v1::GetJobRequest req;
    req.set_job_id(id);
    v1::JobStatus st;
    grpc::Status s = stub->GetJob(&ctx, req, &st);
    if (!s.ok())
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    return st;
  }

  bool WaitPhase(const std::string& id, v1::JobPhase phase, absl::Duration timeout) {
    return WaitFor(
        [&] {
          auto j = GetJob(id);
          return j.ok() && j->phase() == phase;
        },
        timeout);
  }

  // Waits until the scheduler has tried the job and rejected it (its status
  // carries the reason): the decision a "did not start" check waits for.
  bool WaitRejected(const std::string& id, absl::Duration timeout) {
    return WaitFor(
        [&] {
          auto j = GetJob(id);
          return j.ok() && !j->message().empty();
        },
        timeout);
  }

  std::optional<v1::ListNodesResponse> ListNodes() {
    auto stub = Client();
    grpc::ClientContext ctx;
    v1::ListNodesResponse resp;
    if (!stub->ListNodes(&ctx, v1::ListNodesRequest(), &resp).ok()) return std::nullopt;
    return resp;
  }

  bool WaitNodes(int ready, absl::Duration timeout) {
    return WaitFor(
        [&] {
          auto resp = ListNodes();
          if (!resp) return false;
          int n = 0;
          for (const auto& node : resp->nodes()) n += node.condition() == v1::READY;
          return n == ready;
        },
        timeout);
  }

  // Waits until `node` has sent `n` more heartbeats. Each carries the node's
  // running tasks and device health, so after it the daemon has acted on a
  // report newer than anything the test did before the call.
  bool WaitHeartbeats(const std::string& node, int n, absl::Duration timeout) {
    int64_t last = -1;
    int seen = -1;
    return WaitFor(
        [&] {
          auto resp = ListNodes();
          if (!resp) return false;
          for (const auto& s : resp->nodes()) {
            if (s.node().name() != node || s.last_heartbeat_unix_ms() == last) continue;
            last = s.last_heartbeat_unix_ms();
            ++seen;
          }
          return seen >= n;
        },
        timeout);
  }

  std::string Logs() {
    std::string out = "--- manychipd.log ---\n" + Slurp(File("manychipd.log"));
    for (const auto& [name, p] : agents_) {
      absl::StrAppend(&out, "--- agent ", name, " ---\n", Slurp(File("agent-" + name + ".log")));
    }
    return out;
  }

 private:
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<Process> daemon_;
  std::map<std::string, std::unique_ptr<Process>> agents_;
};

// Writes token files for tenants team-a and team-b (tokens below), node
// gpu-1 and the admin, and returns the manychipd flags that load them.
inline std::vector<std::string> WriteTokenFiles(const Cluster& c) {
  std::ofstream(c.File("tenants.json"))
      << R"({"tok-team-a-0123456789": "team-a", "tok-team-b-0123456789": "team-b"})";
  std::ofstream(c.File("nodes.json")) << R"({"tok-node-gpu-1-012345": "gpu-1"})";
  std::ofstream(c.File("admin")) << "tok-admin-0123456789\n";
  return {"--tenant_tokens=" + c.File("tenants.json"), "--node_tokens=" + c.File("nodes.json"),
          "--admin_token_file=" + c.File("admin")};
}

// A job running `script` under /bin/sh on `cards` whole H20 cards per task.
inline std::string ShellJob(const std::string& tenant, int replicas, int cards,
                            const std::string& script, const std::string& model = "nvidia-h20") {
  std::string quoted;
  for (char c : script) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return absl::StrCat(R"({"tenant": ")", tenant, R"(", "kind": "TRAINING", "task_groups": [{
      "name": "main", "replicas": )",
                      replicas, R"(,
      "demand": {"milli_devices": )",
                      cards * 1000, R"(, "cpu_milli": 1000, "memory_mib": 1024},
      "device_models": [")",
                      model, R"("],
      "command": "/bin/sh", "args": ["-c", ")",
                      quoted, R"("]}]})");
}

}  // namespace manychip::testing
