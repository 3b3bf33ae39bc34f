// SQLite backend of StateStore: one file in WAL mode. Each StoreWrite is one
// IMMEDIATE transaction; synchronous=FULL so an acknowledged write survives
// power loss, not only a process crash.

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "manychip/status.h"
#include "manychip/store/state_store.h"

namespace manychip {
namespace {

// 2: events.refs (a v1::EventRefs), added to version-1 files by Prepare.
constexpr int kSchemaVersion = 2;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  phase INTEGER NOT NULL,
  status BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS bindings (
  task_id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  node TEXT NOT NULL,
  task BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
  name TEXT PRIMARY KEY,
  schedulable INTEGER NOT NULL,
  node BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  unix_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL,
  refs BLOB NOT NULL DEFAULT x''
);
)sql";

// Maps a SQLite result code to the store's error contract.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what, absl::string_view path) {
  const std::string msg = absl::StrCat("state store ", path, ": ", what, ": ",
                                       db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(msg);
    case SQLITE_READONLY:
      return absl::FailedPreconditionError(msg);
    default:
      return absl::UnavailableError(msg);
  }
}

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  int prepare_rc() const { return rc_; }
  sqlite3_stmt* get() { return stmt_; }
  void Text(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void Blob(int i, const std::string& s) {
    sqlite3_bind_blob(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void Int(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  std::string ColumnBytes(int i) {
    const void* p = sqlite3_column_blob(stmt_, i);
    return std::string(static_cast<const char*>(p), sqlite3_column_bytes(stmt_, i));
  }
  // Runs a statement that returns no rows and resets it for reuse.
  int Run() {
    const int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return rc;
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

class SqliteStateStore final : public StateStore {
 public:
  SqliteStateStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteStateStore() override { sqlite3_close_v2(db_); }

  absl::Status Write(const StoreWrite& write) override {
    absl::MutexLock lock(&mu_);
    if (int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
      return SqliteError(db_, rc, "begin", path_);
    }
    absl::Status s = WriteLocked(write);
    if (!s.ok()) {
      (void)sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return s;
    }
    if (int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
      absl::Status err = SqliteError(db_, rc, "commit", path_);
      (void)sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return err;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<StoreSnapshot> Load() const override {
    absl::MutexLock lock(&mu_);
    StoreSnapshot snap;
    {
      Stmt st(db_, "SELECT id, status FROM jobs ORDER BY id");
      if (st.prepare_rc() != SQLITE_OK)
        return SqliteError(db_, st.prepare_rc(), "load jobs", path_);
      int rc;
      while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
        v1::JobStatus job;
        if (!job.ParseFromString(st.ColumnBytes(1))) {
          return absl::DataLossError(
              absl::StrCat("state store ", path_, ": job ",
                           reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0)),
                           ": record does not parse"));
        }
        snap.jobs.push_back(std::move(job));
      }
      if (rc != SQLITE_DONE) return SqliteError(db_, rc, "load jobs", path_);
    }
    {
      Stmt st(db_, "SELECT task_id, job_id, task FROM bindings ORDER BY task_id");
      if (st.prepare_rc() != SQLITE_OK) {
        return SqliteError(db_, st.prepare_rc(), "load bindings", path_);
      }
      int rc;
      while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
        BindingRecord b;
        b.job_id = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 1));
        if (!b.task.ParseFromString(st.ColumnBytes(2))) {
          return absl::DataLossError(
              absl::StrCat("state store ", path_, ": binding ",
                           reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0)),
                           ": record does not parse"));
        }
        snap.bindings.push_back(std::move(b));
      }
      if (rc != SQLITE_DONE) return SqliteError(db_, rc, "load bindings", path_);
    }
    {
      Stmt st(db_, "SELECT name, schedulable, node FROM nodes ORDER BY name");
      if (st.prepare_rc() != SQLITE_OK)
        return SqliteError(db_, st.prepare_rc(), "load nodes", path_);
      int rc;
      while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
        NodeRecord n;
        n.schedulable = sqlite3_column_int64(st.get(), 1) != 0;
        if (!n.node.ParseFromString(st.ColumnBytes(2))) {
          return absl::DataLossError(
              absl::StrCat("state store ", path_, ": node ",
                           reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0)),
                           ": record does not parse"));
        }
        snap.nodes.push_back(std::move(n));
      }
      if (rc != SQLITE_DONE) return SqliteError(db_, rc, "load nodes", path_);
    }
    {
      Stmt st(db_, "SELECT COALESCE(MAX(seq), 0) FROM events");
      if (st.prepare_rc() != SQLITE_OK) {
        return SqliteError(db_, st.prepare_rc(), "load events", path_);
      }
      if (int rc = sqlite3_step(st.get()); rc != SQLITE_ROW) {
        return SqliteError(db_, rc, "load events", path_);
      }
      snap.last_event_seq = sqlite3_column_int64(st.get(), 0);
    }
    return snap;
  }

  absl::StatusOr<std::vector<EventRecord>> Events(int64_t after_seq, int limit) const override {
    absl::MutexLock lock(&mu_);
    Stmt st(db_,
            "SELECT seq, unix_ms, kind, subject, detail, refs FROM events WHERE seq > ? "
            "ORDER BY seq LIMIT ?");
    if (st.prepare_rc() != SQLITE_OK) return SqliteError(db_, st.prepare_rc(), "events", path_);
    st.Int(1, after_seq);
    st.Int(2, limit);
    std::vector<EventRecord> out;
    int rc;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      EventRecord e;
      e.seq = sqlite3_column_int64(st.get(), 0);
      e.unix_ms = sqlite3_column_int64(st.get(), 1);
      e.kind = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 2));
      e.subject = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 3));
      e.detail = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 4));
      if (!e.refs.ParseFromString(st.ColumnBytes(5))) {
        return absl::DataLossError(
            absl::StrCat("state store ", path_, ": event ", e.seq, ": refs do not parse"));
      }
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "events", path_);
    return out;
  }

 private:
  absl::Status WriteLocked(const StoreWrite& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!w.put_jobs.empty()) {
      Stmt st(db_,
              "INSERT INTO jobs(id, tenant, phase, status) VALUES(?,?,?,?) "
              "ON CONFLICT(id) DO UPDATE SET tenant=excluded.tenant, phase=excluded.phase, "
              "status=excluded.status");
      if (st.prepare_rc() != SQLITE_OK) return SqliteError(db_, st.prepare_rc(), "put job", path_);
      for (const v1::JobStatus& job : w.put_jobs) {
        if (job.job().id().empty()) {
          return absl::InvalidArgumentError("put_jobs: job.id: must not be empty");
        }
        v1::JobStatus copy = job;
        copy.clear_tasks();
        st.Text(1, job.job().id());
        st.Text(2, job.job().tenant());
        st.Int(3, job.phase());
        st.Blob(4, copy.SerializeAsString());
        if (int rc = st.Run(); rc != SQLITE_DONE) return SqliteError(db_, rc, "put job", path_);
      }
    }
    if (!w.put_bindings.empty()) {
      Stmt st(db_,
              "INSERT INTO bindings(task_id, job_id, node, task) VALUES(?,?,?,?) "
              "ON CONFLICT(task_id) DO UPDATE SET job_id=excluded.job_id, node=excluded.node, "
              "task=excluded.task");
      if (st.prepare_rc() != SQLITE_OK) {
        return SqliteError(db_, st.prepare_rc(), "put binding", path_);
      }
      for (const BindingRecord& b : w.put_bindings) {
        if (b.task.task_id().empty()) {
          return absl::InvalidArgumentError("put_bindings: task.task_id: must not be empty");
        }
        st.Text(1, b.task.task_id());
        st.Text(2, b.job_id);
        st.Text(3, b.task.node());
        st.Blob(4, b.task.SerializeAsString());
        if (int rc = st.Run(); rc != SQLITE_DONE) return SqliteError(db_, rc, "put binding", path_);
      }
    }
    if (!w.delete_bindings.empty()) {
      Stmt st(db_, "DELETE FROM bindings WHERE task_id = ?");
      if (st.prepare_rc() != SQLITE_OK) {
        return SqliteError(db_, st.prepare_rc(), "delete binding", path_);
      }
      for (const std::string& id : w.delete_bindings) {
        st.Text(1, id);
        if (int rc = st.Run(); rc != SQLITE_DONE) {
          return SqliteError(db_, rc, "delete binding", path_);
        }
      }
    }
    if (!w.put_nodes.empty()) {
      Stmt st(db_,
              "INSERT INTO nodes(name, schedulable, node) VALUES(?,?,?) "
              "ON CONFLICT(name) DO UPDATE SET schedulable=excluded.schedulable, "
              "node=excluded.node");
      if (st.prepare_rc() != SQLITE_OK) return SqliteError(db_, st.prepare_rc(), "put node", path_);
      for (const NodeRecord& n : w.put_nodes) {
        if (n.node.name().empty()) {
          return absl::InvalidArgumentError("put_nodes: node.name: must not be empty");
        }
        st.Text(1, n.node.name());
        st.Int(2, n.schedulable ? 1 : 0);
        st.Blob(3, n.node.SerializeAsString());
        if (int rc = st.Run(); rc != SQLITE_DONE) return SqliteError(db_, rc, "put node", path_);
      }
    }
    if (!w.delete_nodes.empty()) {
      Stmt st(db_, "DELETE FROM nodes WHERE name = ?");
      if (st.prepare_rc() != SQLITE_OK) {
        return SqliteError(db_, st.prepare_rc(), "delete node", path_);
      }
      for (const std::string& name : w.delete_nodes) {
        st.Text(1, name);
        if (int rc = st.Run(); rc != SQLITE_DONE) return SqliteError(db_, rc, "delete node", path_);
      }
    }
    if (!w.events.empty()) {
      Stmt st(db_, "INSERT INTO events(unix_ms, kind, subject, detail, refs) VALUES(?,?,?,?,?)");
      if (st.prepare_rc() != SQLITE_OK) {
        return SqliteError(db_, st.prepare_rc(), "append event", path_);
      }
      for (const EventRecord& e : w.events) {
        st.Int(1, e.unix_ms);
        st.Text(2, e.kind);
        st.Text(3, e.subject);
        st.Text(4, e.detail);
        st.Blob(5, e.refs.SerializeAsString());
        if (int rc = st.Run(); rc != SQLITE_DONE) {
          return SqliteError(db_, rc, "append event", path_);
        }
      }
    }
    return absl::OkStatus();
  }

  mutable absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_);
  const std::string path_;
};

// Runs one statement that returns at most one integer; used during open.
absl::StatusOr<int64_t> QueryInt(sqlite3* db, const char* sql, const std::string& path) {
  Stmt st(db, sql);
  if (st.prepare_rc() != SQLITE_OK) return SqliteError(db, st.prepare_rc(), sql, path);
  const int rc = sqlite3_step(st.get());
  if (rc == SQLITE_ROW) return sqlite3_column_int64(st.get(), 0);
  if (rc == SQLITE_DONE) return 0;
  return SqliteError(db, rc, sql, path);
}

absl::Status Exec(sqlite3* db, const char* sql, const std::string& path) {
  if (int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr); rc != SQLITE_OK) {
    return SqliteError(db, rc, sql, path);
  }
  return absl::OkStatus();
}

absl::Status Prepare(sqlite3* db, const std::string& path) {
  // Checks the header before anything writes: a file that is not a database
  // must be reported, never "repaired" by recreating it.
  {
    Stmt st(db, "PRAGMA quick_check");
    if (st.prepare_rc() != SQLITE_OK) return SqliteError(db, st.prepare_rc(), "open", path);
    const int rc = sqlite3_step(st.get());
    if (rc != SQLITE_ROW) return SqliteError(db, rc, "integrity check", path);
    const std::string result = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
    if (result != "ok") {
      return absl::DataLossError(
          absl::StrCat("state store ", path, ": integrity check failed: ", result));
    }
  }
  if (path != ":memory:" && sqlite3_db_readonly(db, "main") == 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("state store ", path, ": file is read-only; manychipd needs to write it"));
  }
  MC_ASSIGN_OR_RETURN(int64_t version, QueryInt(db, "PRAGMA user_version", path));
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat("state store ", path, ": schema version ",
                                                      version, " is newer than this build's ",
                                                      kSchemaVersion));
  }
  MC_RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode=WAL", path));
  MC_RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous=FULL", path));
  MC_RETURN_IF_ERROR(Exec(db, "PRAGMA foreign_keys=ON", path));
  MC_RETURN_IF_ERROR(Exec(db, kSchema, path));
  // A version-1 file's events table predates `refs`; CREATE IF NOT EXISTS
  // left it as it was. Old events get empty refs (admin-only, like node events).
  if (version == 1) {
    MC_RETURN_IF_ERROR(
        Exec(db, "ALTER TABLE events ADD COLUMN refs BLOB NOT NULL DEFAULT x''", path));
  }
  const std::string set_version = absl::StrCat("PRAGMA user_version=", kSchemaVersion);
  MC_RETURN_IF_ERROR(Exec(db, set_version.c_str(), path));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<StateStore>> OpenSqliteStateStore(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("state: path must not be empty");
  // A read-only file opened READWRITE silently degrades to read-only in
  // SQLite; Prepare() turns that into an error instead.
  // A file without its owner-write bit counts as read-only even for root
  // (who could write it anyway): an operator who marked it so meant it.
  struct stat st;
  if (path != ":memory:" && stat(path.c_str(), &st) == 0 &&
      ((st.st_mode & S_IWUSR) == 0 || access(path.c_str(), W_OK) != 0)) {
    return absl::FailedPreconditionError(
        absl::StrCat("state store ", path, ": file is read-only; manychipd needs to write it"));
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = SqliteError(db, rc, "open", path);
    sqlite3_close_v2(db);
    if ((rc & 0xff) == SQLITE_CANTOPEN) {
      return absl::FailedPreconditionError(
          absl::StrCat("state store ", path,
                       ": cannot open or create the file (missing or read-only "
                       "directory?)"));
    }
    return s;
  }
  sqlite3_busy_timeout(db, 2000);
  if (absl::Status s = Prepare(db, path); !s.ok()) {
    sqlite3_close_v2(db);
    return s;
  }
  return std::unique_ptr<StateStore>(new SqliteStateStore(db, path));
}

}  // namespace manychip
