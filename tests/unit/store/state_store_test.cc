#include "manychip/store/state_store.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "manychip/store/etcd_state_store.h"
#include "tests/testing/etcd_process.h"

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
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A backend under test: opens (or reopens) the store kept at `place`.
struct Backend {
  std::string name;
  bool durable;
  std::function<absl::StatusOr<std::unique_ptr<StateStore>>(const std::string& place)> open;
};

void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

// One etcd for the whole binary, each test on its own prefix; started on
// first use, killed at exit (a static's destructor). No etcd binary fails the etcd tests.
testing::EtcdCluster* SharedEtcd() {
  static absl::StatusOr<std::unique_ptr<testing::EtcdCluster>> etcd =
      testing::EtcdCluster::Start(1);
  EXPECT_TRUE(etcd.ok()) << etcd.status();
  return etcd.ok() ? etcd->get() : nullptr;
}

std::vector<Backend> AllBackends() {
  return {
      {"InMemory", false,
       [](const std::string&) -> absl::StatusOr<std::unique_ptr<StateStore>> {
         return NewInMemoryStateStore();
       }},
      {"Sqlite", true,
       [](const std::string& place) { return OpenSqliteStateStore(place + "/state.db"); }},
      {"Etcd", true,
       [](const std::string& place) -> absl::StatusOr<std::unique_ptr<StateStore>> {
         testing::EtcdCluster* etcd = SharedEtcd();
         if (etcd == nullptr) return absl::FailedPreconditionError("no etcd");
         EtcdStoreOptions o;
         o.endpoints = {etcd->endpoint(0)};
         o.prefix = place;  // the temp dir's path: unique per test
         return OpenEtcdStateStore(o);
       }},
  };
}

// Every backend must honour the same contract.
class StateStoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto s = GetParam().open(dir_.path());
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
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

TEST_P(StateStoreContractTest, RejectsRecordsWithoutKeys) {
  StoreWrite b;
  b.put_bindings = {MakeBinding("j1", "", "n1")};
  EXPECT_EQ(store_->Write(b).code(), absl::StatusCode::kInvalidArgument);
  StoreWrite n;
  n.put_nodes = {NodeRecord{}};
  n.events = {{.unix_ms = 1, .kind = "node.added", .subject = "", .detail = ""}};
  EXPECT_EQ(store_->Write(n).code(), absl::StatusCode::kInvalidArgument);
  auto snap = store_->Load();
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_TRUE(snap->bindings.empty());
  EXPECT_TRUE(snap->nodes.empty());
  EXPECT_EQ(snap->last_event_seq, 0) << "a rejected write's events must not be numbered";
}

TEST_P(StateStoreContractTest, DeleteAfterPutInOneWriteWins) {
  StoreWrite w;
  w.put_bindings = {MakeBinding("j1", "j1/a/0", "n1"), MakeBinding("j1", "j1/a/1", "n1")};
  w.delete_bindings = {"j1/a/0"};
  NodeRecord n;
  n.node.set_name("n1");
  w.put_nodes = {n};
  w.delete_nodes = {"n1"};
  ASSERT_TRUE(store_->Write(w).ok());
  auto snap = store_->Load();
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_EQ(snap->bindings.size(), 1u);
  EXPECT_EQ(snap->bindings[0].task.task_id(), "j1/a/1");
  EXPECT_TRUE(snap->nodes.empty());
}

TEST_P(StateStoreContractTest, EventsPageInSeqOrder) {
  for (int i = 0; i < 5; ++i) {
    StoreWrite w;
    w.events = {{.unix_ms = i, .kind = "k", .subject = absl::StrCat("s", i), .detail = ""}};
    ASSERT_TRUE(store_->Write(w).ok());
  }
  auto first = store_->Events(0, 2);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].seq, 1);
  EXPECT_EQ((*first)[1].subject, "s1");
  auto rest = store_->Events(2, 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 3u);
  EXPECT_EQ((*rest)[0].seq, 3);
  EXPECT_EQ((*rest)[2].seq, 5);
  auto none = store_->Events(5, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(StateStoreContractTest, EventsKeepTheirRefs) {
  StoreWrite w;
  EventRecord e{.unix_ms = 7, .kind = "job.preempted", .subject = "urgent", .detail = "d"};
  e.refs.mutable_preemptor()->set_job_id("urgent");
  e.refs.mutable_preemptor()->set_tenant("prod");
  v1::EventJob* v = e.refs.add_victims();
  v->set_job_id("low");
  v->set_tenant("batch");
  v->set_gang_hold(true);
  e.refs.set_node("n1");
  w.events = {e, {.unix_ms = 8, .kind = "node.not_ready", .subject = "n1", .detail = ""}};
  ASSERT_TRUE(store_->Write(w).ok());
  if (GetParam().durable) Reopen();  // refs survive a reopen too
  auto got = store_->Events(0, 10);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].refs.SerializeAsString(), e.refs.SerializeAsString());
  EXPECT_EQ((*got)[0].refs.victims(0).job_id(), "low");
  EXPECT_FALSE((*got)[1].refs.has_job());
}

// More records than one etcd Txn carries (128 ops): the write still lands
// whole on every backend.
TEST_P(StateStoreContractTest, LargeWriteLandsWhole) {
  StoreWrite w;
  for (int i = 0; i < 300; ++i) {
    const std::string id = absl::StrFormat("j%04d", i);
    w.put_jobs.push_back(MakeJob(id, v1::PENDING));
    w.put_bindings.push_back(MakeBinding(id, id + "/main/0", "n1"));
    w.events.push_back({.unix_ms = i, .kind = "job.submitted", .subject = id, .detail = ""});
  }
  ASSERT_TRUE(store_->Write(w).ok());
  auto snap = store_->Load();
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_EQ(snap->jobs.size(), 300u);
  EXPECT_EQ(snap->jobs[299].job().id(), "j0299");
  EXPECT_EQ(snap->bindings.size(), 300u);
  EXPECT_EQ(snap->last_event_seq, 300);
  auto events = store_->Events(290, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 10u);
  EXPECT_EQ(events->back().subject, "j0299");
}

INSTANTIATE_TEST_SUITE_P(Backends, StateStoreContractTest, ::testing::ValuesIn(AllBackends()),
                         [](const auto& info) { return info.param.name; });

// The durable backends keep everything across a reopen, and number events
// on from where they were.
class DurableStateStoreTest : public StateStoreContractTest {};

TEST_P(DurableStateStoreTest, SurvivesReopen) {
  StoreWrite w;
  w.put_jobs = {MakeJob("j1", v1::RUNNING)};
  w.put_bindings = {MakeBinding("j1", "j1/main/0", "n7")};
  NodeRecord n;
  n.node.set_name("n7");
  n.schedulable = false;
  w.put_nodes = {n};
  w.events = {{.unix_ms = 1, .kind = "job.submitted", .subject = "j1", .detail = ""}};
  ASSERT_TRUE(store_->Write(w).ok());
  Reopen();
  auto snap = store_->Load();
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_EQ(snap->jobs.size(), 1u);
  EXPECT_EQ(snap->jobs[0].phase(), v1::RUNNING);
  ASSERT_EQ(snap->bindings.size(), 1u);
  EXPECT_EQ(snap->bindings[0].task.node(), "n7");
  ASSERT_EQ(snap->nodes.size(), 1u);
  EXPECT_FALSE(snap->nodes[0].schedulable);
  EXPECT_EQ(snap->last_event_seq, 1);
  StoreWrite more;
  more.events = {{.unix_ms = 2, .kind = "job.finished", .subject = "j1", .detail = ""}};
  ASSERT_TRUE(store_->Write(more).ok());
  auto events = store_->Events(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].seq, 2);
  EXPECT_EQ((*events)[1].kind, "job.finished");
}

INSTANTIATE_TEST_SUITE_P(Backends, DurableStateStoreTest, ::testing::ValuesIn([] {
                           std::vector<Backend> durable;
                           for (Backend& b : AllBackends()) {
                             if (b.durable) durable.push_back(std::move(b));
                           }
                           return durable;
                         }()),
                         [](const auto& info) { return info.param.name; });

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

namespace manychip {
namespace {

// A file written by a build before events had refs (schema version 1)
// opens: its events keep their seqs (with empty refs), new ones get refs.
TEST(SqliteStateStoreTest, Version1FileGainsEventRefsAndKeepsItsEvents) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* v1_schema = R"sql(
      CREATE TABLE jobs (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, phase INTEGER NOT NULL,
                         status BLOB NOT NULL);
      CREATE TABLE bindings (task_id TEXT PRIMARY KEY, job_id TEXT NOT NULL, node TEXT NOT NULL,
                             task BLOB NOT NULL);
      CREATE TABLE nodes (name TEXT PRIMARY KEY, schedulable INTEGER NOT NULL, node BLOB NOT NULL);
      CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, unix_ms INTEGER NOT NULL,
                           kind TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL);
      INSERT INTO events(unix_ms, kind, subject, detail) VALUES(1, 'job.submitted', 'j1', 'a');
      INSERT INTO events(unix_ms, kind, subject, detail) VALUES(2, 'job.submitted', 'j2', 'a');
      PRAGMA user_version=1;)sql";
    ASSERT_EQ(sqlite3_exec(db, v1_schema, nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto store = OpenSqliteStateStore(path);
  ASSERT_TRUE(store.ok()) << store.status();
  StoreWrite w;
  EventRecord e{.unix_ms = 3, .kind = "job.submitted", .subject = "j3", .detail = "a"};
  e.refs.mutable_job()->set_job_id("j3");
  w.events = {e};
  ASSERT_TRUE((*store)->Write(w).ok());
  auto got = (*store)->Events(0, 10);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[1].subject, "j2");
  EXPECT_FALSE((*got)[1].refs.has_job());
  EXPECT_EQ((*got)[2].seq, 3);
  EXPECT_EQ((*got)[2].refs.job().job_id(), "j3");
  auto snap = (*store)->Load();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->last_event_seq, 3);
}

}  // namespace
}  // namespace manychip
