#pragma once

// StateStore: the daemon's durable state — jobs, task bindings, node
// registrations and an append-only event log — behind one small interface so
// the embedded SQLite backend, an in-memory one for tests and an etcd one for
// HA (etcd_state_store.h) are interchangeable; state_url.h opens the one a
// `--state` value names.
//
// Records are the v1 wire messages (scheduler.proto, types.proto), so the
// stored form evolves by proto's field rules and needs no second schema.
// Every change is one `StoreWrite` applied atomically: either all of it is
// durable when `Write` returns ok, or none of it is. manychipd acknowledges
// a SubmitJob only after the write holding the job returned ok.
//
// Thread-safety: every method is safe to call from any thread (backends
// serialize internally); manychipd calls it from its scheduler thread.
//
//   MC_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store,
//                       OpenSqliteStateStore("/var/lib/manychip/state.db"));
//   StoreWrite w;
//   w.put_jobs.push_back(status);
//   w.events.push_back({.kind = "job.submitted", .subject = status.job().id()});
//   MC_RETURN_IF_ERROR(store->Write(w));
//   MC_ASSIGN_OR_RETURN(StoreSnapshot snap, store->Load());

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "manychip/v1/scheduler.pb.h"
#include "manychip/v1/types.pb.h"

namespace manychip {

// A task bound to a node (or waiting to be bound again), keyed by task id.
struct BindingRecord {
  std::string job_id;
  v1::TaskStatus task;
};

// A node as it last registered, plus the operator's cordon flag.
struct NodeRecord {
  v1::Node node;
  bool schedulable = true;
};

struct EventRecord {
  int64_t seq = 0;  // assigned by the store, increasing from 1
  int64_t unix_ms = 0;
  std::string kind;     // e.g. "job.submitted", "task.exited", "node.not_ready"
  std::string subject;  // a job, task or node id
  std::string detail;
  // Who it concerns (jobs with their tenants, the node): what visibility
  // and the event API's structured fields are built from.
  v1::EventRefs refs = {};
};

// One atomic change. Puts are upserts by key (job id, task id, node name).
struct StoreWrite {
  std::vector<v1::JobStatus> put_jobs;  // stored without `tasks`
  std::vector<BindingRecord> put_bindings;
  std::vector<std::string> delete_bindings;  // task ids
  std::vector<NodeRecord> put_nodes;
  std::vector<std::string> delete_nodes;  // node names
  std::vector<EventRecord> events;        // seq is ignored and assigned

  bool empty() const {
    return put_jobs.empty() && put_bindings.empty() && delete_bindings.empty() &&
           put_nodes.empty() && delete_nodes.empty() && events.empty();
  }
};

// Everything needed to resume after a restart; each list ordered by key.
struct StoreSnapshot {
  std::vector<v1::JobStatus> jobs;
  std::vector<BindingRecord> bindings;
  std::vector<NodeRecord> nodes;
  int64_t last_event_seq = 0;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // Applies `write` atomically and durably. On error nothing of it is
  // stored: Unavailable for I/O trouble (disk full, read-only file, locked),
  // DataLoss for a corrupt file, InvalidArgument for a record without a key.
  virtual absl::Status Write(const StoreWrite& write) = 0;

  virtual absl::StatusOr<StoreSnapshot> Load() const = 0;

  // Events with seq > after_seq, oldest first, at most `limit`.
  virtual absl::StatusOr<std::vector<EventRecord>> Events(int64_t after_seq, int limit) const = 0;
};

// Opens (creating if absent) a SQLite state file in WAL mode with
// synchronous=FULL. FailedPrecondition if the file or its directory is
// read-only or the schema is newer than this build; DataLoss if the file is
// not a database or fails its integrity check. Messages name the path.
absl::StatusOr<std::unique_ptr<StateStore>> OpenSqliteStateStore(const std::string& path);

// A store that lives in memory only, for tests and `--state :memory:`.
std::unique_ptr<StateStore> NewInMemoryStateStore();

}  // namespace manychip
