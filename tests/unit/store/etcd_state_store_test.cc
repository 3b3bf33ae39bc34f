// The etcd backend's own cases: its bad input (foreign prefix, unreachable
// etcd, Txns etcd refuses as too large) and split writes that a crash at any
// step leaves all or nothing visible. The shared contract is in
// state_store_test.cc.

#include "manychip/store/etcd_state_store.h"

#include <signal.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/testing/etcd_process.h"

namespace manychip {
namespace {

// The limits of the small etcd below, so tests can pass them cheaply.
constexpr int kSmallOps = 16;
constexpr int64_t kSmallBytes = 64 * 1024;

class EtcdStateStoreTest : public ::testing::Test {
 protected:
  // One etcd with small limits for every test here, each test on its own
  // prefix; a function-local static, so it is killed at exit.
  static testing::EtcdCluster* Etcd() {
    static absl::StatusOr<std::unique_ptr<testing::EtcdCluster>> etcd = testing::EtcdCluster::Start(
        1, {.extra_flags = {absl::StrCat("--max-txn-ops=", kSmallOps),
                            absl::StrCat("--max-request-bytes=", kSmallBytes)}});
    EXPECT_TRUE(etcd.ok()) << etcd.status();
    return etcd.ok() ? etcd->get() : nullptr;
  }

  void SetUp() override {
    ASSERT_NE(Etcd(), nullptr);
    // Unique per run too, so --gtest_repeat finds every prefix empty.
    static int runs = 0;
    prefix_ = absl::StrCat("/t/", ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                           "-", ++runs);
    kv_ = etcdserverpb::KV::NewStub(
        grpc::CreateChannel(Etcd()->endpoint(0), grpc::InsecureChannelCredentials()));
  }

  EtcdStoreOptions Options(bool small_limits = true) const {
    EtcdStoreOptions o;
    o.endpoints = {Etcd()->endpoint(0)};
    o.prefix = prefix_;
    if (small_limits) {
      o.max_txn_ops = kSmallOps;
      o.max_request_bytes = kSmallBytes;
    }
    return o;
  }

  std::unique_ptr<StateStore> Open(EtcdStoreOptions o) {
    auto s = OpenEtcdStateStore(std::move(o));
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Number of keys under `prefix_ + suffix`, read straight from etcd.
  int64_t CountKeys(const std::string& suffix) {
    etcdserverpb::RangeRequest req;
    const std::string key = prefix_ + suffix;
    std::string end = key;
    end.back() = static_cast<char>(end.back() + 1);
    req.set_key(key);
    req.set_range_end(end);
    req.set_count_only(true);
    etcdserverpb::RangeResponse resp;
    grpc::ClientContext ctx;
    EXPECT_TRUE(kv_->Range(&ctx, req, &resp).ok());
    return resp.count();
  }

  void PutRaw(const std::string& key, const std::string& value) {
    etcdserverpb::PutRequest req;
    req.set_key(key);
    req.set_value(value);
    etcdserverpb::PutResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(kv_->Put(&ctx, req, &resp).ok());
  }

  // `jobs` jobs with one event each: more than kSmallOps operations.
  static StoreWrite ManyJobs(int jobs, int message_bytes = 0) {
    StoreWrite w;
    for (int i = 0; i < jobs; ++i) {
      v1::JobStatus j;
      j.mutable_job()->set_id(absl::StrFormat("j%03d", i));
      j.set_phase(v1::PENDING);
      j.set_message(std::string(message_bytes, 'm'));
      w.put_jobs.push_back(j);
      w.events.push_back(
          {.unix_ms = i, .kind = "job.submitted", .subject = j.job().id(), .detail = ""});
    }
    return w;
  }

  std::string prefix_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
};

TEST_F(EtcdStateStoreTest, PrefixWithAnotherProgramsKeysIsRefusedAndLeftAlone) {
  PutRaw(prefix_ + "/config/other-app", "theirs");
  auto s = OpenEtcdStateStore(Options());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition) << s.status();
  EXPECT_NE(s.status().message().find(prefix_ + "/config/other-app"), std::string::npos)
      << s.status();
  EXPECT_NE(s.status().message().find("did not write"), std::string::npos) << s.status();
  EXPECT_EQ(CountKeys("/"), 1) << "the foreign prefix must be left as it was";
}

TEST_F(EtcdStateStoreTest, OtherFormatMarkerIsRefused) {
  PutRaw(prefix_ + "/format", "manychip-state/99");
  auto s = OpenEtcdStateStore(Options());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition) << s.status();
  EXPECT_NE(s.status().message().find("manychip-state/99"), std::string::npos) << s.status();
}

TEST_F(EtcdStateStoreTest, UnreachableEtcdIsUnavailableNamingTheEndpoint) {
  // A port nothing listens on: the second of a new cluster's never-started pair.
  EtcdStoreOptions o = Options();
  o.endpoints = {"127.0.0.1:1"};
  o.request_timeout = absl::Seconds(2);
  auto s = OpenEtcdStateStore(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable) << s.status();
  EXPECT_NE(s.status().message().find("127.0.0.1:1"), std::string::npos) << s.status();
}

TEST_F(EtcdStateStoreTest, SecondEndpointServesWhenTheFirstIsDown) {
  EtcdStoreOptions o = Options();
  o.endpoints = {"127.0.0.1:1", Etcd()->endpoint(0)};
  o.request_timeout = absl::Seconds(2);
  std::unique_ptr<StateStore> store = Open(o);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Write(ManyJobs(2)).ok());
  auto snap = store->Load();
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_EQ(snap->jobs.size(), 2u);
}

// The store believes etcd's defaults (128 ops, 1.5 MiB) but this etcd runs
// with 16 ops and 64 KiB: etcd refuses the Txn, the error names the limit,
// and nothing lands.
TEST_F(EtcdStateStoreTest, TxnRefusedAsTooLargeNamesTheLimitAndWritesNothing) {
  std::unique_ptr<StateStore> store = Open(Options(/*small_limits=*/false));
  ASSERT_NE(store, nullptr);
  absl::Status ops = store->Write(ManyJobs(20));
  EXPECT_EQ(ops.code(), absl::StatusCode::kFailedPrecondition) << ops;
  EXPECT_NE(ops.message().find("--max-txn-ops"), std::string::npos) << ops;
  absl::Status bytes = store->Write(ManyJobs(2, 50 * 1024));
  EXPECT_EQ(bytes.code(), absl::StatusCode::kFailedPrecondition) << bytes;
  EXPECT_NE(bytes.message().find("--max-request-bytes"), std::string::npos) << bytes;
  auto snap = store->Load();
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_TRUE(snap->jobs.empty());
  EXPECT_EQ(snap->last_event_seq, 0);
  // The store still works for writes etcd accepts.
  ASSERT_TRUE(store->Write(ManyJobs(3)).ok());
  EXPECT_EQ(store->Load()->jobs.size(), 3u);
}

TEST_F(EtcdStateStoreTest, RecordNoTxnCanCarryIsInvalidArgumentBeforeAnyWrite) {
  std::unique_ptr<StateStore> store = Open(Options());
  ASSERT_NE(store, nullptr);
  StoreWrite w = ManyJobs(3);
  w.put_jobs[1].set_message(std::string(kSmallBytes, 'x'));
  absl::Status s = store->Write(w);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find(prefix_ + "/jobs/j001"), std::string::npos) << s;
  EXPECT_EQ(CountKeys("/jobs/"), 0);
}

// With the store's limits matching etcd's, a write of 40 jobs and 40 events
// (81 ops, ~400 KiB) is split, lands whole and leaves no stage behind.
TEST_F(EtcdStateStoreTest, WriteOverTheLimitsIsSplitAndLandsWhole) {
  std::unique_ptr<StateStore> store = Open(Options());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Write(ManyJobs(40, 10 * 1024)).ok());
  auto snap = store->Load();
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_EQ(snap->jobs.size(), 40u);
  EXPECT_EQ(snap->last_event_seq, 40);
  EXPECT_EQ(CountKeys("/jobs/"), 40);
  EXPECT_EQ(CountKeys("/events/"), 40);
  EXPECT_EQ(CountKeys("/staged/"), 0);
}

// A crash after the stage is written but before its commit: nothing of the
// write is visible, before or after the next open, which drops the stage.
TEST_F(EtcdStateStoreTest, CrashBeforeCommitLeavesNothingVisible) {
  EtcdStoreOptions o = Options();
  o.crash_point_for_test = [](absl::string_view step) {
    return step == "staged" ? absl::AbortedError("crash at staged") : absl::OkStatus();
  };
  std::unique_ptr<StateStore> crashed = Open(o);
  ASSERT_NE(crashed, nullptr);
  ASSERT_EQ(crashed->Write(ManyJobs(40, 2 * 1024)).code(), absl::StatusCode::kAborted);
  EXPECT_GT(CountKeys("/staged/"), 0) << "the crash must leave the stage behind";
  auto seen = crashed->Load();
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_TRUE(seen->jobs.empty());
  EXPECT_EQ(seen->last_event_seq, 0);
  crashed.reset();

  std::unique_ptr<StateStore> store = Open(Options());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(CountKeys("/staged/"), 0);
  auto snap = store->Load();
  ASSERT_TRUE(snap.ok());
  EXPECT_TRUE(snap->jobs.empty());
  ASSERT_TRUE(store->Write(ManyJobs(1)).ok());
  EXPECT_EQ(store->Load()->last_event_seq, 1);
}

// A crash anywhere after the commit: all of the write is visible at once
// (read through the stage while it is only partly applied), and the next
// open finishes the apply.
TEST_F(EtcdStateStoreTest, CrashAfterCommitShowsAllOfTheWrite) {
  const std::string base = prefix_;
  for (const char* step : {"committed", "applying", "applied"}) {
    SCOPED_TRACE(step);
    prefix_ = absl::StrCat(base, "-", step);
    EtcdStoreOptions o = Options();
    o.crash_point_for_test = [step](absl::string_view at) {
      return at == step ? absl::AbortedError(absl::StrCat("crash at ", step)) : absl::OkStatus();
    };
    std::unique_ptr<StateStore> crashed = Open(o);
    ASSERT_NE(crashed, nullptr);
    ASSERT_EQ(crashed->Write(ManyJobs(40, 2 * 1024)).code(), absl::StatusCode::kAborted);
    EXPECT_GT(CountKeys("/staged/"), 0);
    if (std::string(step) == "applying") {
      const int64_t applied = CountKeys("/jobs/") + CountKeys("/events/");
      EXPECT_GT(applied, 0);
      EXPECT_LT(applied, 80) << "only part applied";
    }
    auto seen = crashed->Load();
    ASSERT_TRUE(seen.ok()) << seen.status();
    EXPECT_EQ(seen->jobs.size(), 40u);
    EXPECT_EQ(seen->last_event_seq, 40);
    auto events = crashed->Events(35, 100);
    ASSERT_TRUE(events.ok()) << events.status();
    EXPECT_EQ(events->size(), 5u);
    crashed.reset();

    std::unique_ptr<StateStore> store = Open(Options());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(CountKeys("/staged/"), 0) << "the open finishes the stage";
    EXPECT_EQ(CountKeys("/jobs/"), 40);
    EXPECT_EQ(CountKeys("/events/"), 40);
    ASSERT_TRUE(store->Write(ManyJobs(1)).ok());
    EXPECT_EQ(store->Load()->last_event_seq, 41);
  }
}

// Two stores on one prefix: the one whose view is stale is refused, and
// nothing of its write lands.
TEST_F(EtcdStateStoreTest, SecondWriterIsAbortedNotInterleaved) {
  std::unique_ptr<StateStore> a = Open(Options());
  std::unique_ptr<StateStore> b = Open(Options());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->Write(ManyJobs(1)).ok());
  StoreWrite w = ManyJobs(2);
  w.put_jobs[0].mutable_job()->set_id("from-b");
  absl::Status s = b->Write(w);
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
  EXPECT_NE(s.message().find("another writer"), std::string::npos) << s;
  auto snap = a->Load();
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->jobs.size(), 1u);
  EXPECT_EQ(snap->last_event_seq, 1);
}

}  // namespace
}  // namespace manychip

namespace manychip {
namespace {

// Three members: killing any one (here the one the store talks to first)
// costs at most a retry, and every acknowledged write is still there after
// it rejoins.
TEST(EtcdThreeMemberTest, StoreKeepsWritingWhenOneMemberDies) {
  auto etcd = testing::EtcdCluster::Start(3);
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  EtcdStoreOptions o;
  o.endpoints = {(*etcd)->endpoint(0), (*etcd)->endpoint(1), (*etcd)->endpoint(2)};
  o.request_timeout = absl::Seconds(2);
  auto store = OpenEtcdStateStore(o);
  ASSERT_TRUE(store.ok()) << store.status();
  auto write = [&](const std::string& id) {
    StoreWrite w;
    v1::JobStatus j;
    j.mutable_job()->set_id(id);
    w.put_jobs.push_back(j);
    return (*store)->Write(w);
  };
  ASSERT_TRUE(write("before").ok());
  (*etcd)->Kill(0, SIGKILL);
  // The surviving two may need an election first; retry until one lands.
  ASSERT_TRUE(testing::WaitFor([&] { return write("during").ok(); }, absl::Seconds(15)));
  ASSERT_TRUE((*etcd)->Restart(0).ok());
  ASSERT_TRUE(write("after").ok());
  auto snap = (*store)->Load();
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_EQ(snap->jobs.size(), 3u);
  EXPECT_EQ(snap->jobs[0].job().id(), "after");
  EXPECT_EQ(snap->jobs[1].job().id(), "before");
  EXPECT_EQ(snap->jobs[2].job().id(), "during");
}

}  // namespace
}  // namespace manychip
