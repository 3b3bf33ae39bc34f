// HA at the store level, against a real etcd: the election (EtcdLeadership)
// hands out increasing fencing tokens, and a store fenced by a token that is
// no longer the leader key's create revision writes nothing, with a clear
// FailedPrecondition and its on_fenced hook called.

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "manychip/store/etcd_leadership.h"
#include "manychip/store/etcd_state_store.h"
#include "tests/testing/etcd_process.h"

namespace manychip {
namespace {

class EtcdFencingTest : public ::testing::Test {
 protected:
  static testing::EtcdCluster* Etcd() {
    static absl::StatusOr<std::unique_ptr<testing::EtcdCluster>> etcd =
        testing::EtcdCluster::Start(1);
    EXPECT_TRUE(etcd.ok()) << etcd.status();
    return etcd.ok() ? etcd->get() : nullptr;
  }

  void SetUp() override {
    ASSERT_NE(Etcd(), nullptr);
    static int runs = 0;
    prefix_ = absl::StrCat("/f/", ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                           "-", ++runs);
  }

  std::unique_ptr<EtcdLeadership> Replica(const std::string& address) {
    auto e = EtcdLeadership::Create({.endpoints = {Etcd()->endpoint(0)},
                                     .key = prefix_ + "/leader",
                                     .value = address,
                                     .lease = absl::Seconds(2)});
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? std::move(*e) : nullptr;
  }

  EtcdStoreOptions Fenced(int64_t token, absl::Status* fenced) {
    EtcdStoreOptions o;
    o.endpoints = {Etcd()->endpoint(0)};
    o.prefix = prefix_;
    o.max_txn_ops = 16;  // small, so a split write is easy to make
    o.fence_key = prefix_ + "/leader";
    o.fence_revision = token;
    o.on_fenced = [fenced](const absl::Status& s) { *fenced = s; };
    return o;
  }

  static StoreWrite Job(const std::string& id, int events = 1) {
    StoreWrite w;
    v1::JobStatus j;
    j.mutable_job()->set_id(id);
    j.set_phase(v1::PENDING);
    w.put_jobs.push_back(j);
    for (int i = 0; i < events; ++i) {
      w.events.push_back({.unix_ms = i, .kind = "job.submitted", .subject = id, .detail = ""});
    }
    return w;
  }

  std::string prefix_;
};

TEST_F(EtcdFencingTest, OnlyOneReplicaLeadsAndStandbysSeeWho) {
  auto a = Replica("10.0.0.1:7070");
  auto b = Replica("10.0.0.2:7070");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto ta = a->TryAcquire();
  ASSERT_TRUE(ta.ok()) << ta.status();
  EXPECT_GT(*ta, 0);
  auto tb = b->TryAcquire();
  ASSERT_TRUE(tb.ok()) << tb.status();
  EXPECT_EQ(*tb, 0) << "a second replica won a held key";
  EXPECT_EQ(b->Observed(), "10.0.0.1:7070");
  EXPECT_TRUE(a->Confirmed());
  EXPECT_FALSE(b->Confirmed());
}

TEST_F(EtcdFencingTest, RestartedReplicaTakesOverItsOwnKeyWithANewToken) {
  auto first = Replica("10.0.0.1:7070");
  ASSERT_NE(first, nullptr);
  auto t1 = first->TryAcquire();
  ASSERT_TRUE(t1.ok() && *t1 > 0) << t1.status();
  // The same address again, as after a crash: no wait for the old lease.
  auto again = Replica("10.0.0.1:7070");
  auto t2 = again->TryAcquire();
  ASSERT_TRUE(t2.ok()) << t2.status();
  EXPECT_GT(*t2, *t1);
}

TEST_F(EtcdFencingTest, WriteWithAStaleTokenFailsClearlyAndAppliesNothing) {
  auto a = Replica("10.0.0.1:7070");
  ASSERT_NE(a, nullptr);
  auto ta = a->TryAcquire();
  ASSERT_TRUE(ta.ok() && *ta > 0) << ta.status();
  absl::Status a_fenced;
  auto store_a = OpenEtcdStateStore(Fenced(*ta, &a_fenced));
  ASSERT_TRUE(store_a.ok()) << store_a.status();
  ASSERT_TRUE((*store_a)->Write(Job("before")).ok());

  // A loses the key (its lease ends, as after a pause longer than the
  // lease) and B wins it: a new create revision, B's token.
  a->Resign();
  auto b = Replica("10.0.0.2:7070");
  auto tb = b->TryAcquire();
  ASSERT_TRUE(tb.ok()) << tb.status();
  ASSERT_GT(*tb, *ta);
  absl::Status b_fenced;
  auto store_b = OpenEtcdStateStore(Fenced(*tb, &b_fenced));
  ASSERT_TRUE(store_b.ok()) << store_b.status();

  // A's next write, one Txn or split over several, is refused by etcd.
  for (int events : {1, 40}) {
    SCOPED_TRACE(absl::StrCat(events, " events"));
    a_fenced = absl::OkStatus();
    absl::Status s = (*store_a)->Write(Job(absl::StrCat("after-", events), events));
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), "fenced")) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), absl::StrCat("token ", *ta))) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), "10.0.0.2:7070")) << s;
    EXPECT_EQ(a_fenced.code(), absl::StatusCode::kFailedPrecondition) << "on_fenced not called";
  }
  auto snap = (*store_b)->Load();
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_EQ(snap->jobs.size(), 1u);
  EXPECT_EQ(snap->jobs[0].job().id(), "before");
  EXPECT_EQ(snap->last_event_seq, 1);
  // The new leader writes on.
  EXPECT_TRUE((*store_b)->Write(Job("by-b")).ok());
  EXPECT_TRUE(b_fenced.ok());
}

TEST_F(EtcdFencingTest, StoreOpenedWithATokenNoLongerHeldCannotClaimThePrefix) {
  auto a = Replica("10.0.0.1:7070");
  auto ta = a->TryAcquire();
  ASSERT_TRUE(ta.ok() && *ta > 0) << ta.status();
  absl::Status fenced;
  auto store = OpenEtcdStateStore(Fenced(*ta + 1000, &fenced));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  EXPECT_TRUE(absl::StrContains(store.status().message(), "fenced")) << store.status();
}

TEST_F(EtcdFencingTest, BadLeaseIsRefusedNamingTheFlag) {
  auto e = EtcdLeadership::Create({.endpoints = {"127.0.0.1:1"},
                                   .key = "/x/leader",
                                   .value = "a:1",
                                   .lease = absl::Milliseconds(1500)});
  ASSERT_FALSE(e.ok());
  EXPECT_TRUE(absl::StrContains(e.status().message(), "--leader_lease")) << e.status();
}

}  // namespace
}  // namespace manychip
