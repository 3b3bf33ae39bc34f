// StateStore.Write on each durable backend: one write carrying `jobs` jobs
// and one event per job, as manychipd's group commit makes them. Items/s is
// durable jobs/s from one writer; the etcd figure is against one local
// member (fsync per Txn). Writes over 127 ops take etcd's split path
// (stage, commit, apply), so batch 200 shows its cost.
//
//   build/bin/manychip_bench --benchmark_filter=BM_StoreWrite

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "manychip/store/etcd_state_store.h"
#include "manychip/store/state_store.h"
#include "tests/testing/etcd_process.h"

namespace manychip {
namespace {

StoreWrite Batch(int64_t first, int jobs) {
  StoreWrite w;
  for (int i = 0; i < jobs; ++i) {
    v1::JobStatus j;
    j.mutable_job()->set_id(absl::StrFormat("job-%09d", first + i));
    j.mutable_job()->set_tenant("team-a");
    j.set_phase(v1::PENDING);
    j.set_submit_time_unix_ms(1000);
    w.put_jobs.push_back(std::move(j));
    w.events.push_back({.unix_ms = 1000,
                        .kind = "job.submitted",
                        .subject = w.put_jobs.back().job().id(),
                        .detail = ""});
  }
  return w;
}

void RunWrites(benchmark::State& state, StateStore& store) {
  const int jobs = static_cast<int>(state.range(0));
  int64_t next = 0;
  for (auto _ : state) {
    StoreWrite w = Batch(next, jobs);
    next += jobs;
    if (absl::Status s = store.Write(w); !s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * jobs);
}

void BM_StoreWriteSqlite(benchmark::State& state) {
  char tmpl[] = "/tmp/mc-bench-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  {
    auto store = OpenSqliteStateStore(dir + "/state.db");
    if (!store.ok()) {
      state.SkipWithError(std::string(store.status().message()).c_str());
    } else {
      RunWrites(state, **store);
    }
  }
  std::filesystem::remove_all(dir);
}

void BM_StoreWriteEtcd(benchmark::State& state) {
  static absl::StatusOr<std::unique_ptr<testing::EtcdCluster>> etcd =
      testing::EtcdCluster::Start(1);
  if (!etcd.ok()) {
    state.SkipWithError(std::string(etcd.status().message()).c_str());
    return;
  }
  static int run = 0;
  EtcdStoreOptions o;
  o.endpoints = {(*etcd)->endpoint(0)};
  o.prefix = absl::StrCat("/bench/", ++run);
  auto store = OpenEtcdStateStore(o);
  if (!store.ok()) {
    state.SkipWithError(std::string(store.status().message()).c_str());
    return;
  }
  RunWrites(state, **store);
}

BENCHMARK(BM_StoreWriteSqlite)
    ->Arg(1)
    ->Arg(60)
    ->Arg(200)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_StoreWriteEtcd)
    ->Arg(1)
    ->Arg(60)
    ->Arg(200)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace manychip
