// manychipctl: the command-line client of manychipd.
//
//   manychipctl [--server ADDR] [--token T | --token_file F] [-o table|json] COMMAND ...
//     submit FILE.json | get job ID | jobs [PHASE] | nodes | describe node NAME
//     cancel ID | explain ID | watch [ID] | drain NODE | uncordon NODE | leader
//     events [JOB] [--follow] [--since SEQ]
//
// `--server A,B,C` names the replicas of an HA manychipd (docs/ha.md): the
// command goes to the one that leads, found by asking each in turn and
// following a standby's `manychip-leader` hint.
//
// Exit status: 0 ok, 1 the server returned an error (printed), 2 usage error
// or a local input problem (unreadable or malformed job file).
//
// Flags are parsed here rather than with absl flags because absl exits with
// status 1 on an unknown flag, and scripts rely on 2 meaning "usage".

#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "apps/common/binary_setup.h"
#include "apps/manychipctl/events_cmd.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "manychip/codec/json.h"
#include "manychip/service/leader_targets.h"
#include "manychip/v1/scheduler.grpc.pb.h"

namespace {

namespace v1 = manychip::v1;

constexpr const char* kUsage = R"(usage: manychipctl [flags] COMMAND [ARGS]
commands:
  submit FILE.json        submit a job (v1.Job JSON); prints its id
  get job ID              show a job and where its tasks run
  jobs [PHASE]            list jobs (PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED)
  nodes                   list nodes
  describe node NAME      show one node with its devices
  cancel ID               cancel a job
  explain ID              why a job is (not) placed where it is
  watch [ID]              stream job changes until interrupted
  drain NODE              cordon NODE, then evict its jobs (rate-limited; each is
                          queued again and placed elsewhere, or stays PENDING);
                          prints each eviction until done or --wait runs out
  uncordon NODE           allow placing on NODE again; stops a drain's evictions
  leader                  print the address of the replica that leads (HA)
  events [JOB]            the event log (submits, placements, preemptions with both
                          sides, evictions, health changes, holds), oldest first;
                          with JOB only the events naming that job
flags:
  --server ADDR[,ADDR]    manychipd address (default $MANYCHIP_SERVER or 127.0.0.1:7070);
                          a list of HA replicas: commands go to the leader
  --token TOKEN           bearer token (default $MANYCHIP_TOKEN)
  --token_file FILE       read the token from FILE
  -o, --output FORMAT     table (default) or json
  --tls_ca FILE           CA of the server certificate: use TLS
  --tls_cert/--tls_key    client certificate and key for mutual TLS
  --timeout DURATION      per-call deadline (default 10s)
  --wait DURATION         how long drain follows its evictions (default 2m; 0s = not)
  --follow, -f            events: keep streaming new events until interrupted
  --since SEQ             events: only those after sequence number SEQ (default 0)
  -h, --help              this text; --version: the version
)";

struct Flags {
  std::string server;
  std::string token;
  std::string output = "table";
  std::string tls_ca, tls_cert, tls_key;
  absl::Duration timeout = absl::Seconds(10);
  absl::Duration wait = absl::Minutes(2);
  bool follow = false;  // events
  int64_t since = 0;    // events
  std::vector<std::string> args;
};

int Usage(const std::string& why) {
  std::cerr << "manychipctl: " << why << "\n" << kUsage;
  return 2;
}

// The file's contents, or nullopt after printing why it could not be read.
std::optional<std::string> ReadAll(const std::string& path) {
  auto s = manychip::codec::ReadFile(path);
  if (!s.ok()) {
    std::cerr << "manychipctl: " << s.status().message() << "\n";
    return std::nullopt;
  }
  return *std::move(s);
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Returns -1 when parsing succeeded, else the exit code.
int ParseFlags(int argc, char** argv, Flags* f) {
  const char* env_server = std::getenv("MANYCHIP_SERVER");
  f->server = env_server != nullptr ? env_server : "127.0.0.1:7070";
  const char* env_token = std::getenv("MANYCHIP_TOKEN");
  if (env_token != nullptr) f->token = env_token;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (!absl::StartsWith(a, "-") || a == "-") {
      f->args.push_back(a);
      continue;
    }
    std::string name = a, value;
    bool has_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    }
    while (absl::StartsWith(name, "-")) name.erase(0, 1);
    if (name == "h" || name == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (name == "version") {
      std::cout << manychip::VersionLine("manychipctl") << "\n";
      return 0;
    }
    if ((name == "follow" || name == "f") && !has_value) {
      f->follow = true;
      continue;
    }
    static const std::vector<std::string> kValued = {"server",  "token",  "token_file", "o",
                                                     "output",  "tls_ca", "tls_cert",   "tls_key",
                                                     "timeout", "wait",   "since"};
    if (std::find(kValued.begin(), kValued.end(), name) == kValued.end()) {
      return Usage(absl::StrCat("unknown flag ", a));
    }
    if (!has_value) {
      if (i + 1 >= argc) return Usage(absl::StrCat("flag ", a, " needs a value"));
      value = argv[++i];
    }
    if (name == "server") f->server = value;
    if (name == "token") f->token = value;
    if (name == "token_file") {
      std::optional<std::string> token = ReadAll(value);
      if (!token) return 2;
      f->token = Trim(*std::move(token));
    }
    if (name == "o" || name == "output") {
      if (value != "table" && value != "json") return Usage("-o: must be table or json");
      f->output = value;
    }
    if (name == "tls_ca") f->tls_ca = value;
    if (name == "tls_cert") f->tls_cert = value;
    if (name == "tls_key") f->tls_key = value;
    if (name == "timeout" && !absl::ParseDuration(value, &f->timeout)) {
      return Usage(absl::StrCat("--timeout: not a duration: ", value));
    }
    if (name == "wait" &&
        (!absl::ParseDuration(value, &f->wait) || f->wait < absl::ZeroDuration())) {
      return Usage(absl::StrCat("--wait: not a duration >= 0: ", value));
    }
    if (name == "since" && (!absl::SimpleAtoi(value, &f->since) || f->since < 0)) {
      return Usage(absl::StrCat("--since: not a sequence number >= 0: ", value));
    }
  }
  return -1;
}

class Cli {
 public:
  explicit Cli(Flags f) : f_(std::move(f)) {}

  int Run() {
    if (f_.args.empty()) return Usage("no command");
    if (int rc = Connect(); rc >= 0) return rc;
    const std::string& cmd = f_.args[0];
    const size_t n = f_.args.size();
    if (cmd == "leader" && n == 1) return Leader();
    if (cmd == "submit" && n == 2) return Submit(f_.args[1]);
    if (cmd == "get" && n == 3 && f_.args[1] == "job") return GetJob(f_.args[2]);
    if (cmd == "jobs" && n <= 2) return Jobs(n == 2 ? f_.args[1] : "");
    if (cmd == "nodes" && n == 1) return Nodes("");
    if (cmd == "describe" && n == 3 && f_.args[1] == "node") return Nodes(f_.args[2]);
    if (cmd == "cancel" && n == 2) return Cancel(f_.args[1]);
    if (cmd == "explain" && n == 2) return Explain(f_.args[1]);
    if (cmd == "watch" && n <= 2) return Watch(n == 2 ? f_.args[1] : "");
    if (cmd == "drain" && n == 2) return Drain(f_.args[1]);
    if (cmd == "uncordon" && n == 2) return Uncordon(f_.args[1]);
    if (cmd == "events" && n <= 2) return Events(n == 2 ? f_.args[1] : "");
    return Usage(absl::StrCat("bad command line: ", absl::StrJoin(f_.args, " ")));
  }

 private:
  int Connect() {
    std::shared_ptr<grpc::ChannelCredentials> creds;
    if (!f_.tls_ca.empty()) {
      grpc::SslCredentialsOptions ssl;
      std::optional<std::string> ca = ReadAll(f_.tls_ca);
      if (!ca) return 2;
      ssl.pem_root_certs = *std::move(ca);
      if (!f_.tls_cert.empty()) {
        std::optional<std::string> cert = ReadAll(f_.tls_cert);
        std::optional<std::string> key = cert ? ReadAll(f_.tls_key) : std::nullopt;
        if (!cert || !key) return 2;
        ssl.pem_cert_chain = *std::move(cert);
        ssl.pem_private_key = *std::move(key);
      }
      creds = grpc::SslCredentials(ssl);
    } else {
      creds = grpc::InsecureChannelCredentials();
    }
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(256 << 20);
    auto targets = manychip::LeaderTargets::Parse(f_.server);
    if (!targets.ok()) return Usage(std::string(targets.status().message()));
    creds_ = creds;
    args_ = args;
    stub_ = v1::Scheduler::NewStub(grpc::CreateCustomChannel(targets->current(), creds, args));
    if (targets->all().size() > 1) {
      // Several replicas: talk to the leader; none found = the first one,
      // whose answer then says why.
      if (auto leader = FindLeader(*targets)) {
        stub_ = v1::Scheduler::NewStub(grpc::CreateCustomChannel(leader->first, creds, args));
      }
    }
    return -1;
  }

  // HA: asks the replicas in turn, following `manychip-leader` hints, for
  // the one that leads: (address that answered, its answer).
  std::optional<std::pair<std::string, v1::GetLeaderResponse>> FindLeader(
      manychip::LeaderTargets targets) const {
    for (int i = 0; i < targets.max_tries(); ++i) {
      auto stub =
          v1::Scheduler::NewStub(grpc::CreateCustomChannel(targets.current(), creds_, args_));
      auto ctx = Context();
      v1::GetLeaderResponse resp;
      const grpc::Status s = stub->GetLeader(ctx.get(), v1::GetLeaderRequest(), &resp);
      if (s.ok()) return std::pair{targets.current(), resp};
      if (s.error_code() != grpc::StatusCode::UNAVAILABLE &&
          s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
        return std::nullopt;
      }
      targets.Failed(manychip::LeaderHint(*ctx));
    }
    return std::nullopt;
  }

  int Leader() {
    auto targets = manychip::LeaderTargets::Parse(f_.server);
    if (!targets.ok()) return Usage(std::string(targets.status().message()));
    auto leader = FindLeader(*targets);
    if (!leader) {
      std::cerr << "error: UNAVAILABLE: no replica of " << f_.server << " leads\n";
      return 1;
    }
    if (f_.output == "json") return PrintJson(leader->second);
    std::cout << leader->second.leader();
    if (leader->second.fencing_token() > 0) {
      std::cout << " (fencing token " << leader->second.fencing_token() << ")";
    }
    std::cout << "\n";
    return 0;
  }

  std::unique_ptr<grpc::ClientContext> Context(bool deadline = true) const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!f_.token.empty()) ctx->AddMetadata("authorization", "Bearer " + f_.token);
    if (deadline) {
      ctx->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(absl::ToInt64Milliseconds(f_.timeout)));
    }
    return ctx;
  }

  static int ServerError(const grpc::Status& s) {
    static const char* kCodes[] = {"OK",
                                   "CANCELLED",
                                   "UNKNOWN",
                                   "INVALID_ARGUMENT",
                                   "DEADLINE_EXCEEDED",
                                   "NOT_FOUND",
                                   "ALREADY_EXISTS",
                                   "PERMISSION_DENIED",
                                   "RESOURCE_EXHAUSTED",
                                   "FAILED_PRECONDITION",
                                   "ABORTED",
                                   "OUT_OF_RANGE",
                                   "UNIMPLEMENTED",
                                   "INTERNAL",
                                   "UNAVAILABLE",
                                   "DATA_LOSS",
                                   "UNAUTHENTICATED"};
    const int c = static_cast<int>(s.error_code());
    std::cerr << "error: " << (c >= 0 && c <= 16 ? kCodes[c] : "UNKNOWN") << ": "
              << s.error_message() << "\n";
    return 1;
  }

  int PrintJson(const google::protobuf::Message& m) const {
    auto j = manychip::codec::ToJson(m);
    if (!j.ok()) {
      std::cerr << "manychipctl: " << j.status().message() << "\n";
      return 1;
    }
    std::cout << *j << "\n";
    return 0;
  }

  int Submit(const std::string& path) {
    v1::SubmitJobRequest req;
    if (absl::Status s = manychip::codec::ReadJsonFile(path, req.mutable_job()); !s.ok()) {
      std::cerr << "manychipctl: " << s.message() << "\n";
      return 2;
    }
    v1::SubmitJobResponse resp;
    auto ctx = Context();
    grpc::Status s = stub_->SubmitJob(ctx.get(), req, &resp);
    if (!s.ok()) return ServerError(s);
    if (f_.output == "json") return PrintJson(resp);
    std::cout << resp.job_id() << "\n";
    return 0;
  }

  static std::string Env(const v1::TaskStatus& t) {
    std::vector<std::string> kv;
    for (const auto& [k, v] : std::map<std::string, std::string>(t.env().begin(), t.env().end())) {
      kv.push_back(absl::StrCat(k, "=", v));
    }
    return absl::StrJoin(kv, " ");
  }

  static std::string Phase(v1::JobPhase p) { return v1::JobPhase_Name(p); }
  static std::string TaskPhase(v1::TaskPhase p) {
    std::string s = v1::TaskPhase_Name(p);
    return absl::StartsWith(s, "TASK_") ? s.substr(5) : s;
  }

  int GetJob(const std::string& id) {
    v1::GetJobRequest req;
    req.set_job_id(id);
    v1::JobStatus job;
    auto ctx = Context();
    grpc::Status s = stub_->GetJob(ctx.get(), req, &job);
    if (!s.ok()) return ServerError(s);
    if (f_.output == "json") return PrintJson(job);
    std::cout << "Job:     " << job.job().id()
              << (job.job().name().empty() ? "" : " (" + job.job().name() + ")")
              << "\nTenant:  " << job.job().tenant()
              << "\nKind:    " << v1::JobKind_Name(job.job().kind())
              << "\nPhase:   " << Phase(job.phase()) << "\n";
    if (!job.message().empty()) std::cout << "Message: " << job.message() << "\n";
    if (job.tasks_size() > 0) {
      std::cout << absl::StrFormat("\n%-32s %-8s %-8s %-16s %-10s %-5s %s\n", "TASK", "PHASE",
                                   "ATTEMPT", "NODE", "DEVICES", "EXIT", "ENV");
      for (const v1::TaskStatus& t : job.tasks()) {
        std::cout << absl::StrFormat(
            "%-32s %-8s %-8d %-16s %-10s %-5s %s\n", t.task_id(), TaskPhase(t.phase()), t.attempt(),
            t.node(), absl::StrJoin(t.devices(), ","),
            t.phase() == v1::TASK_EXITED ? absl::StrCat(t.exit_code()) : "-", Env(t));
        if (!t.message().empty()) std::cout << "    " << t.message() << "\n";
      }
    }
    return 0;
  }

  int Jobs(const std::string& phase) {
    v1::ListJobsRequest req;
    if (!phase.empty()) {
      v1::JobPhase p;
      if (!v1::JobPhase_Parse(phase, &p)) return Usage(absl::StrCat("unknown phase ", phase));
      req.set_phase(p);
    }
    v1::ListJobsResponse resp;
    auto ctx = Context();
    grpc::Status s = stub_->ListJobs(ctx.get(), req, &resp);
    if (!s.ok()) return ServerError(s);
    if (f_.output == "json") return PrintJson(resp);
    std::cout << absl::StrFormat("%-14s %-10s %-10s %-10s %-6s %s\n", "ID", "TENANT", "KIND",
                                 "PHASE", "TASKS", "NODES");
    for (const v1::JobStatus& j : resp.jobs()) {
      std::vector<std::string> nodes;
      for (const v1::TaskStatus& t : j.tasks()) {
        if (!t.node().empty() && std::find(nodes.begin(), nodes.end(), t.node()) == nodes.end()) {
          nodes.push_back(t.node());
        }
      }
      std::cout << absl::StrFormat("%-14s %-10s %-10s %-10s %-6d %s\n", j.job().id(),
                                   j.job().tenant(), v1::JobKind_Name(j.job().kind()),
                                   Phase(j.phase()), j.tasks_size(), absl::StrJoin(nodes, ","));
    }
    return 0;
  }

  int Nodes(const std::string& only) {
    v1::ListNodesResponse resp;
    auto ctx = Context();
    grpc::Status s = stub_->ListNodes(ctx.get(), v1::ListNodesRequest(), &resp);
    if (!s.ok()) return ServerError(s);
    if (!only.empty()) {
      for (const v1::NodeStatus& n : resp.nodes()) {
        if (n.node().name() != only) continue;
        if (f_.output == "json") return PrintJson(n);
        std::cout << "Node:        " << n.node().name() << "\nArch:        " << n.node().arch()
                  << "\nCondition:   " << v1::NodeCondition_Name(n.condition()) << "\nSchedulable: "
                  << (n.schedulable() ? "yes"
                      : n.draining()  ? "no (draining: evictions in progress)"
                                      : "no (drained)")
                  << "\nAllocated:   " << n.allocated_milli_devices() << "/"
                  << n.total_milli_devices() << " milli-devices\nSoftware:   ";
        for (const auto& [k, v] : std::map<std::string, std::string>(n.node().software().begin(),
                                                                     n.node().software().end())) {
          std::cout << " " << k << "=" << v;
        }
        std::cout << "\nTasks:       " << absl::StrJoin(n.tasks(), ", ");
        if (n.evicted_jobs_size() > 0) {
          std::cout << "\nEvicted:     " << absl::StrJoin(n.evicted_jobs(), ", ");
        }
        if (!n.held().empty()) std::cout << "\nHeld:        " << n.held();
        for (const std::string& w : n.warnings()) std::cout << "\nWarning:     " << w;
        std::cout << "\n\n"
                  << absl::StrFormat("%-6s %-20s %-10s %-6s %-10s %s\n", "INDEX", "MODEL", "HEALTH",
                                     "NUMA", "LINKGROUP", "UUID");
        for (const v1::Device& d : n.node().devices()) {
          std::cout << absl::StrFormat(
              "%-6d %-20s %-10s %-6d %-10s %s%s\n", d.index(), d.model(),
              d.health() == v1::UNHEALTHY ? "UNHEALTHY" : "healthy", d.numa_node(), d.link_group(),
              d.uuid(), d.health_reason().empty() ? "" : "  (" + d.health_reason() + ")");
        }
        PrintUnrecognized(n.node(), "");
        return 0;
      }
      std::cerr << "error: NOT_FOUND: node " << only << " not found\n";
      return 1;
    }
    if (f_.output == "json") return PrintJson(resp);
    std::cout << absl::StrFormat("%-18s %-8s %-22s %-10s %-12s %s\n", "NAME", "ARCH", "DEVICES",
                                 "STATUS", "SCHEDULABLE", "ALLOCATED");
    for (const v1::NodeStatus& n : resp.nodes()) {
      std::map<std::string, int> models;
      int unhealthy = 0;
      for (const v1::Device& d : n.node().devices()) {
        ++models[d.model()];
        unhealthy += d.health() == v1::UNHEALTHY;
      }
      std::vector<std::string> parts;
      for (const auto& [m, c] : models) parts.push_back(absl::StrCat(c, "x", m));
      std::string devices = parts.empty() ? "-" : absl::StrJoin(parts, ",");
      if (unhealthy > 0) absl::StrAppend(&devices, " (", unhealthy, " bad)");
      if (n.node().unrecognized_devices_size() > 0) {
        absl::StrAppend(&devices, " +", n.node().unrecognized_devices_size(), " unschedulable");
      }
      std::cout << absl::StrFormat(
          "%-18s %-8s %-22s %-10s %-12s %d/%d\n", n.node().name(), n.node().arch(), devices,
          n.condition() == v1::READY ? "Ready" : "NotReady", n.schedulable() ? "yes" : "no",
          n.allocated_milli_devices(), n.total_milli_devices());
      PrintUnrecognized(n.node(), "  ");
      for (const std::string& w : n.warnings()) std::cout << "  WARNING " << w << "\n";
    }
    return 0;
  }

  // Cards discovery found but no catalog model matches: never scheduled.
  static void PrintUnrecognized(const v1::Node& node, const std::string& indent) {
    for (const v1::UnrecognizedDevice& u : node.unrecognized_devices()) {
      std::cout << indent << "UNSCHEDULABLE " << (u.pci_bus_id().empty() ? "-" : u.pci_bus_id())
                << " " << u.vendor() << " " << u.pci_vendor_id() << ":" << u.pci_device_id() << ": "
                << u.reason() << "\n";
    }
  }

  int Cancel(const std::string& id) {
    v1::CancelJobRequest req;
    req.set_job_id(id);
    v1::CancelJobResponse resp;
    auto ctx = Context();
    grpc::Status s = stub_->CancelJob(ctx.get(), req, &resp);
    if (!s.ok()) return ServerError(s);
    if (f_.output == "json") return PrintJson(resp);
    std::cout << id << " " << Phase(resp.phase()) << "\n";
    return 0;
  }

  int Explain(const std::string& id) {
    v1::ExplainRequest req;
    req.set_job_id(id);
    v1::ExplainResponse resp;
    auto ctx = Context();
    grpc::Status s = stub_->Explain(ctx.get(), req, &resp);
    if (!s.ok()) return ServerError(s);
    if (f_.output == "json") return PrintJson(resp);
    std::cout << resp.job_id() << ": " << resp.text() << "\n";
    for (const std::string& l : resp.lines()) std::cout << "  " << l << "\n";
    return 0;
  }

  int Watch(const std::string& id) {
    v1::WatchJobsRequest req;
    req.set_job_id(id);
    auto ctx = Context(/*deadline=*/false);
    auto reader = stub_->WatchJobs(ctx.get(), req);
    v1::JobEvent ev;
    while (reader->Read(&ev)) {
      if (f_.output == "json") {
        auto j = manychip::codec::ToJson(ev, /*pretty=*/false);
        if (j.ok()) std::cout << *j << std::endl;
        continue;
      }
      std::cout << absl::FormatTime("%H:%M:%S", absl::Now(), absl::LocalTimeZone()) << " "
                << ev.status().job().id() << " " << Phase(ev.status().phase()) << " " << ev.reason()
                << std::endl;
    }
    grpc::Status s = reader->Finish();
    if (!s.ok()) return ServerError(s);
    return 0;
  }

  int Uncordon(const std::string& node) {
    v1::UncordonNodeRequest req;
    req.set_node(node);
    v1::UncordonNodeResponse resp;
    auto ctx = Context();
    grpc::Status s = stub_->UncordonNode(ctx.get(), req, &resp);
    if (!s.ok()) return ServerError(s);
    if (f_.output == "json") return PrintJson(resp.node());
    std::cout << node << " uncordoned\n";
    return 0;
  }

  // Cordons the node, then follows the daemon's evictions (NodeStatus
  // polled every 200 ms) until no task is left or --wait runs out. The
  // drain goes on in the daemon either way.
  int Drain(const std::string& node) {
    v1::DrainNodeRequest req;
    req.set_node(node);
    v1::DrainNodeResponse resp;
    {
      auto ctx = Context();
      grpc::Status s = stub_->DrainNode(ctx.get(), req, &resp);
      if (!s.ok()) return ServerError(s);
    }
    const bool table = f_.output != "json";
    v1::NodeStatus n = resp.node();
    if (table) {
      std::cout << node << " cordoned\n";
    }
    int shown = 0;
    auto show = [&] {
      for (; shown < n.evicted_jobs_size(); ++shown) {
        if (table) std::cout << "evicted " << n.evicted_jobs(shown) << std::endl;
      }
    };
    show();
    const absl::Time deadline = absl::Now() + f_.wait;
    while (n.draining() && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(200));
      v1::ListNodesResponse all;
      auto ctx = Context();
      grpc::Status s = stub_->ListNodes(ctx.get(), v1::ListNodesRequest(), &all);
      if (!s.ok()) return ServerError(s);
      for (const v1::NodeStatus& x : all.nodes()) {
        if (x.node().name() == node) n = x;
      }
      show();
    }
    if (!table) return PrintJson(n);
    if (n.draining()) {
      std::cout << node << " still draining: " << n.tasks_size()
                << " task(s) left, evictions are rate-limited (follow with: manychipctl describe "
                   "node "
                << node << ")\n";
    } else {
      std::cout << node << " drained: " << n.evicted_jobs_size()
                << " job(s) evicted, no tasks left\n";
    }
    return 0;
  }

  int Events(const std::string& job) {
    manychipctl::EventsCalls calls{
        .stub = stub_.get(),
        .context = [this](bool deadline) { return Context(deadline); },
        .server_error = [](const grpc::Status& s) { return ServerError(s); }};
    return manychipctl::RunEvents(
        calls,
        {.job_id = job, .since = f_.since, .follow = f_.follow, .json = f_.output == "json"});
  }

  Flags f_;
  std::shared_ptr<grpc::ChannelCredentials> creds_;
  grpc::ChannelArguments args_;
  std::unique_ptr<v1::Scheduler::Stub> stub_;
};

}  // namespace

int main(int argc, char** argv) {
  manychip::SetUpBinary("manychipctl", "command-line client of manychipd");
  Flags f;
  if (int rc = ParseFlags(argc, argv, &f); rc >= 0) return rc;
  return Cli(std::move(f)).Run();
}
