#include "src/service/registrar.h"

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/flaky_state_store.h"

namespace manychip::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

using FlakyStore = testing::FlakyStateStore;

// The controller's tables, as plain maps.
class Tables final : public Registrar::Source {
 public:
  std::optional<v1::JobStatus> JobRecord(const std::string& id) const override {
    auto it = jobs.find(id);
    if (it == jobs.end()) return std::nullopt;
    return it->second;
  }
  std::optional<BindingRecord> BindingRecordOf(const std::string& tid) const override {
    auto it = tasks.find(tid);
    if (it == tasks.end()) return std::nullopt;
    return BindingRecord{.job_id = tid.substr(0, tid.find('/')), .task = it->second};
  }
  std::optional<NodeRecord> NodeRecordOf(const std::string& name) const override {
    auto it = nodes.find(name);
    if (it == nodes.end()) return std::nullopt;
    return NodeRecord{.node = it->second, .schedulable = true};
  }

  void AddJob(const std::string& id, v1::JobPhase phase) {
    jobs[id].mutable_job()->set_id(id);
    jobs[id].set_phase(phase);
  }

  std::map<std::string, v1::JobStatus> jobs;
  std::map<std::string, v1::TaskStatus> tasks;
  std::map<std::string, v1::Node> nodes;
};

v1::ControllerMessage Launch(const std::string& tid) {
  v1::ControllerMessage m;
  m.mutable_launch()->set_task_id(tid);
  return m;
}

class RegistrarTest : public ::testing::Test {
 protected:
  FakeClock clock_{absl::FromUnixSeconds(100)};
  FlakyStore store_;
  Tables tables_;
  Registrar registrar_{&store_, &clock_};
};

TEST_F(RegistrarTest, FlushWritesRecordsAsTheyAreAtFlushTime) {
  tables_.AddJob("j1", v1::PENDING);
  tables_.tasks["j1/w/0"].set_task_id("j1/w/0");
  tables_.nodes["n1"].set_name("n1");
  registrar_.MarkJob("j1", "submitted");
  registrar_.MarkTask("j1/w/0");
  registrar_.MarkNode("n1");
  registrar_.AddEvent("job.submitted", "j1", "team-a");
  tables_.jobs["j1"].set_phase(v1::RUNNING);  // changed again before the flush
  registrar_.MarkJob("j1", "placed");

  auto out = registrar_.Flush(tables_);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->notify, ElementsAre(Pair("j1", "placed")));
  EXPECT_FALSE(registrar_.pending());
  auto snap = store_.Load();
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->jobs.size(), 1u);
  EXPECT_EQ(snap->jobs[0].phase(), v1::RUNNING);
  ASSERT_EQ(snap->bindings.size(), 1u);
  EXPECT_EQ(snap->bindings[0].job_id, "j1");
  ASSERT_EQ(snap->nodes.size(), 1u);
  EXPECT_EQ(snap->last_event_seq, 1);
  auto events = store_.Events(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].unix_ms, absl::ToUnixMillis(clock_.Now()));
}

TEST_F(RegistrarTest, SendsLeaveOnlyAfterTheWriteAndInOrder) {
  tables_.AddJob("j1", v1::RUNNING);
  registrar_.MarkJob("j1", "placed");
  registrar_.Send("n1", Launch("j1/w/0"));
  registrar_.Send("n2", Launch("j1/w/1"));
  store_.fail = true;
  auto failed = registrar_.Flush(tables_);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(registrar_.pending());
  EXPECT_TRUE(registrar_.changes_pending());

  store_.fail = false;
  auto out = registrar_.Flush(tables_);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->sends.size(), 2u);
  EXPECT_EQ(out->sends[0].first, "n1");
  EXPECT_EQ(out->sends[1].second.launch().task_id(), "j1/w/1");
  ASSERT_TRUE(store_.Load().ok());
  EXPECT_EQ(store_.Load()->jobs.size(), 1u);
}

TEST_F(RegistrarTest, NothingMarkedWritesNothingButStillReleasesSends) {
  registrar_.Send("n1", Launch("j1/w/0"));
  auto out = registrar_.Flush(tables_);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(store_.writes, 0);
  EXPECT_EQ(out->sends.size(), 1u);
}

TEST_F(RegistrarTest, KeysWhoseRecordIsGoneAreSkipped) {
  registrar_.MarkJob("gone", "cancelled");
  registrar_.MarkTask("gone/w/0");
  registrar_.MarkNode("gone");
  auto out = registrar_.Flush(tables_);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(store_.writes, 0);
}

TEST_F(RegistrarTest, ForgetJobDropsItsKeyNotificationAndEvents) {
  tables_.AddJob("j1", v1::PENDING);
  tables_.AddJob("j2", v1::PENDING);
  registrar_.MarkJob("j1", "submitted");
  registrar_.AddEvent("job.submitted", "j1", "");
  registrar_.MarkJob("j2", "submitted");
  registrar_.AddEvent("job.submitted", "j2", "");
  registrar_.ForgetJob("j1");
  auto out = registrar_.Flush(tables_);
  ASSERT_TRUE(out.ok());
  EXPECT_THAT(out->notify, ElementsAre(Pair("j2", "submitted")));
  auto snap = store_.Load();
  ASSERT_EQ(snap->jobs.size(), 1u);
  EXPECT_EQ(snap->jobs[0].job().id(), "j2");
  EXPECT_EQ(snap->last_event_seq, 1);
  registrar_.ForgetJob("j2");  // nothing queued: harmless
  EXPECT_THAT(registrar_.Flush(tables_)->sends, IsEmpty());
}

}  // namespace
}  // namespace manychip::internal
