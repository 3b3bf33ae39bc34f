// manychip_watch_flood: a test client that opens many WatchJobs streams
// over several channels and reads them as fast as it can, until it is
// killed. Integration tests kill it abruptly to end every stream at once.
//
//   manychip_watch_flood --server 127.0.0.1:PORT --channels 10 --streams 1000
//
// Prints "ready N" once N streams (half of them, or --ready) have had their
// first event, and keeps reading.

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/create_channel.h"
#include "manychip/v1/scheduler.grpc.pb.h"

ABSL_FLAG(std::string, server, "127.0.0.1:7070", "manychipd address (loopback only)");
ABSL_FLAG(int32_t, channels, 10, "gRPC channels (separate connections)");
ABSL_FLAG(int32_t, streams, 1000, "WatchJobs streams, spread over the channels");
ABSL_FLAG(int32_t, ready, 0, "streams with an event before printing ready (0 = half)");

namespace {

namespace v1 = manychip::v1;

absl::Mutex g_mu;
int g_started ABSL_GUARDED_BY(g_mu) = 0;  // streams that had their first event

class Watch final : public grpc::ClientReadReactor<v1::JobEvent> {
 public:
  explicit Watch(v1::Scheduler::Stub* stub) {
    stub->async()->WatchJobs(&ctx_, &req_, this);
    StartRead(&ev_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone follows
    if (!first_) {
      first_ = true;
      absl::MutexLock lock(&g_mu);
      ++g_started;
    }
    StartRead(&ev_);
  }
  void OnDone(const grpc::Status&) override {}

 private:
  grpc::ClientContext ctx_;
  v1::WatchJobsRequest req_;
  v1::JobEvent ev_;
  bool first_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int channels = std::max(1, absl::GetFlag(FLAGS_channels));
  const int streams = std::max(1, absl::GetFlag(FLAGS_streams));
  int ready = absl::GetFlag(FLAGS_ready);
  if (ready <= 0) ready = std::max(1, streams / 2);
  std::vector<std::unique_ptr<v1::Scheduler::Stub>> stubs;
  for (int c = 0; c < channels; ++c) {
    grpc::ChannelArguments args;
    // A connection of its own per channel, as separate clients would have.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("manychip.flood_channel", c);
    stubs.push_back(v1::Scheduler::NewStub(grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_server), grpc::InsecureChannelCredentials(), args)));
  }
  // Never deleted: the process ends by a signal with the streams open.
  for (int i = 0; i < streams; ++i) new Watch(stubs[i % channels].get());
  {
    absl::MutexLock lock(&g_mu);
    g_mu.Await(absl::Condition(
        +[](int* want) ABSL_EXCLUSIVE_LOCKS_REQUIRED(g_mu) { return g_started >= *want; }, &ready));
    std::printf("ready %d\n", g_started);
    std::fflush(stdout);
  }
  while (true) ::pause();  // until the test's signal
}
