#include "manychip/store/state_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace manychip {
namespace {

namespace fs = std::filesystem;

v1::JobStatus MakeJob(const std::string& id, v1::JobPhase phase) {
  v1::JobStatus s;
  s.mutable_job()->set_id(id);
  s.mutable_job()->set_tenant("team-a");
  s.set_phase(phase);
  s.set_submit_time_unix_ms(1000);
  s.add_tasks()->set_task_id(id + "/main/0");  // never stored with the job
  return s;
}

BindingRecord MakeBinding(const std::string& job, const std::string& task,
                          const std::string& node) {
  BindingRecord b;
  b.job_id = job;
  b.task.set_task_id(task);
  b.task.set_node(node);
  b.task.add_devices(0);
  b.task.add_devices(1);
  (*b.task.mutable_env())["CUDA_VISIBLE_DEVICES"] = "0,1";
  return b;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/mc-store-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, ec);
    fs::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Both backends must honour the same contract.
class StateStoreContractTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      auto s = OpenSqliteStateStore(dir_.File("state.db"));
      ASSERT_TRUE(s.ok()) << s.status();
      store_ = std::move(*s);
    } else {
      store_ = NewInMemoryStateStore();
    }
  }
  TempDir dir_;
  std::unique_ptr<StateStore> store_;
};

TEST_P(StateStoreContractTest, UpsertsAndLoadsInKeyOrder) {
  StoreWrite w;
  w.put_jobs = {MakeJob("j2", v1::PENDING), MakeJob("j1", v1::RUNNING)};
  w.put_bindings = {MakeBinding("j1", "j1/main/0", "n1")};
  NodeRecord n;
  n.node.set_name("n1");
  n.node.set_arch("x86_64");
  n.schedulable = false;
  w.put_nodes = {n};
  w.events = {{.unix_ms = 5, .kind = "job.submitted", .subject = "j1", .detail = ""}};
  ASSERT_TRUE(store_->Write(w).ok());

  StoreWrite w2;
  w2.put_jobs = {MakeJob("j2", v1::SUCCEEDED)};
  w2.events = {{.unix_ms = 6, .kind = "job.finished", .subject = "j2", .detail = "ok"}};
  ASSERT_TRUE(store_->Write(w2).ok());

  auto snap = store_->Load();
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_EQ(snap->jobs.size(), 2u);
  EXPECT_EQ(snap->jobs[0].job().id(), "j1");
  EXPECT_EQ(snap->jobs[1].job().id(), "j2");
  EXPECT_EQ(snap->jobs[1].phase(), v1::SUCCEEDED);
  EXPECT_EQ(snap->jobs[0].tasks_size(), 0) << "tasks live in bindings, not in the job";
  ASSERT_EQ(snap->bindings.size(), 1u);
  EXPECT_EQ(snap->bindings[0].job_id, "j1");
  EXPECT_EQ(snap->bindings[0].task.env().at("CUDA_VISIBLE_DEVICES"), "0,1");
  ASSERT_EQ(snap->nodes.size(), 1u);
  EXPECT_FALSE(snap->nodes[0].schedulable);
  EXPECT_EQ(snap->last_event_seq, 2);

  auto events = store_->Events(1, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].seq, 2);
  EXPECT_EQ((*events)[0].kind, "job.finished");
}

TEST_P(StateStoreContractTest, DeletesBindingsAndNodes) {
  StoreWrite w;
  w.put_bindings = {MakeBinding("j1", "j1/a/0", "n1"), MakeBinding("j1", "j1/a/1", "n2")};
  NodeRecord n;
  n.node.set_name("n1");
  w.put_nodes = {n};
  ASSERT_TRUE(store_->Write(w).ok());
  StoreWrite d;
  d.delete_bindings = {"j1/a/0", "no-such-task"};
  d.delete_nodes = {"n1"};
  ASSERT_TRUE(store_->Write(d).ok());
  auto snap = store_->Load();
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->bindings.size(), 1u);
  EXPECT_EQ(snap->bindings[0].task.task_id(), "j1/a/1");
  EXPECT_TRUE(snap->nodes.empty());
}

TEST_P(StateStoreContractTest, RejectedWriteLeavesNothing) {
  StoreWrite w;
  w.put_jobs = {MakeJob("j1", v1::PENDING), MakeJob("", v1::PENDING)};
  absl::Status s = store_->Write(w);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("job.id"), std::string::npos) << s;
  auto snap = store_->Load();
  ASSERT_TRUE(snap.ok());
  EXPECT_TRUE(snap->jobs.empty()) << "the valid half of a rejected write must not land";
}

INSTANTIATE_TEST_SUITE_P(Backends, StateStoreContractTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Sqlite" : "InMemory"; });

TEST(SqliteStateStoreTest, SurvivesReopen) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  {
    auto s = OpenSqliteStateStore(path);
    ASSERT_TRUE(s.ok()) << s.status();
    StoreWrite w;
    w.put_jobs = {MakeJob("j1", v1::RUNNING)};
    w.put_bindings = {MakeBinding("j1", "j1/main/0", "n7")};
    ASSERT_TRUE((*s)->Write(w).ok());
  }
  auto s = OpenSqliteStateStore(path);
  ASSERT_TRUE(s.ok()) << s.status();
  auto snap = (*s)->Load();
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->jobs.size(), 1u);
  EXPECT_EQ(snap->jobs[0].phase(), v1::RUNNING);
  ASSERT_EQ(snap->bindings.size(), 1u);
  EXPECT_EQ(snap->bindings[0].task.node(), "n7");
}

TEST(SqliteStateStoreTest, CorruptFileIsDataLossNotRecreated) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  {
    std::ofstream f(path);
    f << std::string(8192, 'x');
  }
  auto s = OpenSqliteStateStore(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kDataLoss) << s.status();
  EXPECT_NE(s.status().message().find(path), std::string::npos) << s.status();
  EXPECT_EQ(fs::file_size(path), 8192u) << "a corrupt file must be left for the operator";
}

TEST(SqliteStateStoreTest, ReadOnlyFileIsFailedPrecondition) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  {
    auto s = OpenSqliteStateStore(path);
    ASSERT_TRUE(s.ok());
  }
  ASSERT_EQ(chmod(path.c_str(), 0444), 0);
  auto s = OpenSqliteStateStore(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition) << s.status();
  EXPECT_NE(s.status().message().find("read-only"), std::string::npos) << s.status();
}

TEST(SqliteStateStoreTest, MissingDirectoryIsFailedPrecondition) {
  TempDir dir;
  auto s = OpenSqliteStateStore(dir.File("no/such/dir/state.db"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition) << s.status();
}

TEST(SqliteStateStoreTest, EmptyPathIsInvalidArgument) {
  auto s = OpenSqliteStateStore("");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace manychip
