// manychip-loadtest: a bounded, loopback-only load generator for manychipd.
// One process simulates many node agents (one callback-API Session stream
// each, heartbeating every interval, "running" each launched task for a few
// heartbeats), while submitter threads send jobs and time each SubmitJob.
//
//   manychipd --listen 127.0.0.1:7070 --state /tmp/load.db --heartbeat_interval 1s &
//   manychip-loadtest --server 127.0.0.1:7070 --agents 2000 --jobs 10000 --daemon_pid $!
//
// Prints heartbeats/s delivered, submit latency p50/p99, and (with
// --daemon_pid) the daemon's CPU time and resident memory over the run.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "apps/common/binary_setup.h"
#include "apps/common/data_files.h"
#include "grpcpp/create_channel.h"
#include "manychip/codec/json.h"
#include "manychip/service/command_line.h"
#include "manychip/v1/agent.grpc.pb.h"
#include "manychip/v1/scheduler.grpc.pb.h"

ABSL_FLAG(std::string, server, "127.0.0.1:7070", "manychipd address (loopback only)");
ABSL_FLAG(int32_t, agents, 2000, "simulated agents");
ABSL_FLAG(int32_t, jobs, 10000, "jobs to submit");
ABSL_FLAG(int32_t, submitters, 8, "concurrent submitting clients");
ABSL_FLAG(int32_t, channels, 16, "gRPC channels the agents share");
ABSL_FLAG(int32_t, task_beats, 3, "heartbeats a launched task 'runs' before exiting 0");
ABSL_FLAG(std::string, inventory, "",
          "node inventory template (empty: inventories/x86-h20.json in the data dir)");
ABSL_FLAG(int64_t, daemon_pid, 0, "manychipd pid, for CPU and memory figures");
ABSL_FLAG(absl::Duration, settle, absl::Seconds(5), "heartbeat-only time after the submits");

namespace {

namespace v1 = manychip::v1;

std::atomic<int64_t> g_heartbeats{0};
std::atomic<int64_t> g_launches{0};
std::atomic<int64_t> g_exits{0};

class SimAgent final : public grpc::ClientBidiReactor<v1::AgentMessage, v1::ControllerMessage> {
 public:
  SimAgent(v1::AgentGateway::Stub* stub, std::string node, int64_t session, int task_beats)
      : node_(std::move(node)), task_beats_(task_beats) {
    stub->async()->Session(&ctx_, this);
    v1::AgentMessage hello;
    hello.mutable_hello()->set_node(node_);
    hello.mutable_hello()->set_session_id(session);
    Send(std::move(hello));
    StartRead(&in_);
    StartCall();
  }

  void Tick(int64_t seq) {
    v1::AgentMessage hb;
    hb.mutable_heartbeat()->set_seq(seq);
    std::vector<v1::AgentMessage> exits;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (done_) return;
      for (auto it = running_.begin(); it != running_.end();) {
        if (--it->second.beats_left <= 0) {
          v1::AgentMessage m;
          m.mutable_task_event()->set_task_id(it->first);
          m.mutable_task_event()->set_attempt(it->second.attempt);
          m.mutable_task_event()->set_kind(v1::EXITED);
          exits.push_back(std::move(m));
          it = running_.erase(it);
          continue;
        }
        v1::RunningTask* t = hb.mutable_heartbeat()->add_running();
        t->set_task_id(it->first);
        t->set_attempt(it->second.attempt);
        ++it;
      }
    }
    Send(std::move(hb));
    for (v1::AgentMessage& m : exits) {
      Send(std::move(m));
      ++g_exits;
    }
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (in_.has_launch()) {
      ++g_launches;
      v1::AgentMessage m;
      m.mutable_task_event()->set_task_id(in_.launch().task_id());
      m.mutable_task_event()->set_attempt(in_.launch().attempt());
      m.mutable_task_event()->set_kind(v1::STARTED);
      {
        std::lock_guard<std::mutex> lock(mu_);
        running_[in_.launch().task_id()] = {in_.launch().attempt(), task_beats_};
      }
      Send(std::move(m));
    } else if (in_.has_stop()) {
      std::lock_guard<std::mutex> lock(mu_);
      running_.erase(in_.stop().task_id());
    }
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ok && current_.has_heartbeat()) ++g_heartbeats;
      if (!ok || queue_.empty()) {
        writing_ = false;
        return;
      }
      current_ = std::move(queue_.front());
      queue_.pop_front();
    }
    // Outside the lock: a reaction may run inline on this thread.
    StartWrite(&current_);
  }

  void OnDone(const grpc::Status& s) override {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    if (!s.ok() && !quiet_) {
      std::cerr << node_ << ": session ended: " << s.error_message() << "\n";
    }
    finished_ = true;
  }

  void Cancel() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      quiet_ = true;
    }
    ctx_.TryCancel();
  }
  bool finished() {
    std::lock_guard<std::mutex> lock(mu_);
    return finished_;
  }

 private:
  struct Task {
    int32_t attempt = 0;
    int beats_left = 0;
  };

  void Send(v1::AgentMessage m) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (done_) return;
      if (writing_) {
        queue_.push_back(std::move(m));
        return;
      }
      writing_ = true;
      current_ = std::move(m);
    }
    StartWrite(&current_);
  }

  const std::string node_;
  const int task_beats_;
  grpc::ClientContext ctx_;
  v1::ControllerMessage in_;
  std::mutex mu_;
  v1::AgentMessage current_;
  std::deque<v1::AgentMessage> queue_;
  bool writing_ = false;
  bool done_ = false;
  bool finished_ = false;
  bool quiet_ = false;
  std::map<std::string, Task> running_;
};

struct ProcSample {
  double cpu_seconds = 0;
  int64_t rss_kib = 0;
  int64_t hwm_kib = 0;
};

ProcSample Sample(int64_t pid) {
  ProcSample s;
  if (pid <= 0) return s;
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  std::getline(stat, line);
  // Fields after the ")" of the command name: state is field 3; utime 14, stime 15.
  const size_t close = line.rfind(')');
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> f;
  std::string tok;
  while (rest >> tok) f.push_back(tok);
  if (f.size() > 13) {
    s.cpu_seconds =
        (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmRSS:")) s.rss_kib = std::stoll(line.substr(6));
    if (absl::StartsWith(line, "VmHWM:")) s.hwm_kib = std::stoll(line.substr(6));
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  manychip::SetUpBinary("manychip-loadtest", "load generator for a loopback manychipd");
  manychip::NormalizeDashedFlags(argc, argv);
  absl::ParseCommandLine(argc, argv);
  const std::string server = absl::GetFlag(FLAGS_server);
  if (!absl::StartsWith(server, "127.") && !absl::StartsWith(server, "localhost:")) {
    std::cerr << "manychip-loadtest: loopback addresses only\n";
    return 2;
  }
  const int n_agents = absl::GetFlag(FLAGS_agents);
  const int n_jobs = absl::GetFlag(FLAGS_jobs);
  v1::Node tmpl;
  absl::StatusOr<std::string> inventory =
      manychip::FlagOrDataFile(absl::GetFlag(FLAGS_inventory), "inventories/x86-h20.json");
  if (!inventory.ok()) {
    std::cerr << inventory.status() << "\n";
    return 2;
  }
  std::cerr << "manychip-loadtest: inventory " << *inventory << "\n";
  if (absl::Status s = manychip::codec::ReadJsonFile(*inventory, &tmpl); !s.ok()) {
    std::cerr << s << "\n";
    return 2;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(512 << 20);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_channels)); ++i) {
    args.SetInt("manychip.loadtest.channel", i);  // distinct channels, not one shared subchannel
    channels.push_back(grpc::CreateCustomChannel(server, grpc::InsecureChannelCredentials(), args));
  }
  std::vector<std::unique_ptr<v1::AgentGateway::Stub>> gateways;
  for (auto& ch : channels) gateways.push_back(v1::AgentGateway::NewStub(ch));

  // Register every node (in parallel), then open the sessions.
  const absl::Time t0 = absl::Now();
  std::vector<int64_t> sessions(n_agents, 0);
  int64_t heartbeat_ms = 1000;
  {
    std::atomic<int> next{0};
    std::vector<std::thread> ts;
    for (int w = 0; w < 16; ++w) {
      ts.emplace_back([&] {
        for (int i = next++; i < n_agents; i = next++) {
          v1::RegisterRequest req;
          req.set_api_version("v1");
          *req.mutable_node() = tmpl;
          req.mutable_node()->set_name(absl::StrFormat("load-%05d", i));
          for (v1::Device& d : *req.mutable_node()->mutable_devices()) {
            d.set_uuid(absl::StrFormat("GPU-load-%05d-%02d", i, d.index()));
          }
          grpc::ClientContext ctx;
          ctx.set_wait_for_ready(true);
          v1::RegisterResponse resp;
          grpc::Status s = gateways[i % gateways.size()]->Register(&ctx, req, &resp);
          if (!s.ok()) {
            std::cerr << "register " << i << ": " << s.error_message() << "\n";
            continue;
          }
          sessions[i] = resp.session_id();
          heartbeat_ms = resp.heartbeat_interval_ms();
        }
      });
    }
    for (auto& t : ts) t.join();
  }
  std::vector<std::unique_ptr<SimAgent>> agents;
  for (int i = 0; i < n_agents; ++i) {
    if (sessions[i] == 0) continue;
    agents.push_back(std::make_unique<SimAgent>(gateways[i % gateways.size()].get(),
                                                absl::StrFormat("load-%05d", i), sessions[i],
                                                absl::GetFlag(FLAGS_task_beats)));
  }
  std::cout << absl::StrFormat("registered %d agents in %s (heartbeat every %d ms)\n",
                               agents.size(), absl::FormatDuration(absl::Now() - t0), heartbeat_ms);

  std::atomic<bool> stop{false};
  std::thread ticker([&] {
    int64_t seq = 0;
    while (!stop) {
      const absl::Time next = absl::Now() + absl::Milliseconds(heartbeat_ms);
      ++seq;
      for (auto& a : agents) a->Tick(seq);
      absl::SleepFor(next - absl::Now());
    }
  });

  // Submit the jobs and time each call.
  absl::SleepFor(absl::Seconds(1));
  const ProcSample before = Sample(absl::GetFlag(FLAGS_daemon_pid));
  const int64_t hb_before = g_heartbeats;
  const absl::Time start = absl::Now();
  std::vector<std::vector<double>> lat(absl::GetFlag(FLAGS_submitters));
  std::atomic<int> next{0}, failed{0};
  {
    std::vector<std::thread> ts;
    for (size_t w = 0; w < lat.size(); ++w) {
      ts.emplace_back([&, w] {
        auto stub = v1::Scheduler::NewStub(channels[w % channels.size()]);
        for (int i = next++; i < n_jobs; i = next++) {
          v1::SubmitJobRequest req;
          v1::Job& job = *req.mutable_job();
          job.set_tenant(absl::StrCat("tenant-", i % 8));
          job.set_kind(i % 4 == 0 ? v1::INFERENCE : v1::TRAINING);
          if (job.kind() == v1::INFERENCE) job.mutable_inference()->set_latency_slo_ms(100);
          v1::TaskGroup& g = *job.add_task_groups();
          g.set_name("main");
          g.set_replicas(1);
          g.mutable_demand()->set_milli_devices(1000);
          g.mutable_demand()->set_cpu_milli(1000);
          g.mutable_demand()->set_memory_mib(1024);
          g.add_device_models("nvidia-h20");
          g.set_command("/bin/true");
          grpc::ClientContext ctx;
          v1::SubmitJobResponse resp;
          const auto t = std::chrono::steady_clock::now();
          grpc::Status s = stub->SubmitJob(&ctx, req, &resp);
          const double ms =
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t)
                  .count();
          if (!s.ok()) {
            if (failed++ < 5) std::cerr << "submit: " << s.error_message() << "\n";
            continue;
          }
          lat[w].push_back(ms);
        }
      });
    }
    for (auto& t : ts) t.join();
  }
  const absl::Duration submit_time = absl::Now() - start;
  absl::SleepFor(absl::GetFlag(FLAGS_settle));
  const absl::Duration window = absl::Now() - start;
  const int64_t hb = g_heartbeats - hb_before;
  const ProcSample after = Sample(absl::GetFlag(FLAGS_daemon_pid));

  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))];
  };
  std::cout << absl::StrFormat(
      "submitted %d jobs (%d failed) in %s: %.0f jobs/s; latency p50 %.2f ms, p99 %.2f ms, max "
      "%.2f ms\n",
      all.size(), failed.load(), absl::FormatDuration(submit_time),
      all.size() / absl::ToDoubleSeconds(submit_time), pct(0.50), pct(0.99),
      all.empty() ? 0.0 : all.back());
  std::cout << absl::StrFormat("heartbeats delivered: %d in %s = %.0f/s (%d agents)\n", hb,
                               absl::FormatDuration(window), hb / absl::ToDoubleSeconds(window),
                               agents.size());
  std::cout << absl::StrFormat("tasks launched %d, exits reported %d\n", g_launches.load(),
                               g_exits.load());
  if (absl::GetFlag(FLAGS_daemon_pid) > 0) {
    const double cpu = after.cpu_seconds - before.cpu_seconds;
    std::cout << absl::StrFormat(
        "manychipd: %.1f CPU-s over %s (%.0f%% of one core), RSS %d MiB (peak %d MiB)\n", cpu,
        absl::FormatDuration(window), 100 * cpu / absl::ToDoubleSeconds(window),
        after.rss_kib / 1024, after.hwm_kib / 1024);
  }
  stop = true;
  ticker.join();
  for (auto& a : agents) a->Cancel();
  for (auto& a : agents) {
    while (!a->finished()) absl::SleepFor(absl::Milliseconds(1));
  }
  return 0;
}
