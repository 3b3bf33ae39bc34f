#pragma once

// ExitLedger: the task outcomes (EXITED, FAILED_TO_START) an agent has not
// yet seen the daemon acknowledge. A successful write to the session stream
// is no proof of delivery: the daemon may die before it reads or records
// the event. So every outcome stays here until a TaskEventAck names its
// (task id, attempt), and the agent resends what is here on each new
// registration (agent.proto, "Failure handling").
//
// With a directory, each outcome is also kept as one file there (written to
// a temporary name, synced, then renamed), and `Open` reads back what an
// earlier agent life left, so an agent restart forgets no outcome either.
// A failed file write is reported, but the outcome is kept in memory anyway:
// this agent life still delivers it.
//
// At most `kMaxOutcomes` are kept (a daemon too old to acknowledge would
// otherwise make them grow forever); the oldest goes first.
//
// Thread-safety: not thread-safe. TaskRunner guards it with its mutex, so
// that a task is always in its running list or here.
//
//   MC_ASSIGN_OR_RETURN(ExitLedger ledger, ExitLedger::Open(workdir + "/exits"));
//   MC_RETURN_IF_ERROR(ledger.Add(exit_event));
//   ledger.Acknowledge("job-1/main/0", 1);

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "manychip/v1/agent.pb.h"

namespace manychip::internal {

class ExitLedger {
 public:
  static constexpr size_t kMaxOutcomes = 4096;

  // Memory only.
  ExitLedger() = default;
  // Keeps outcomes in `dir` (created if missing) and loads those already
  // there. A file that cannot be parsed is dropped with a warning.
  static absl::StatusOr<ExitLedger> Open(std::string dir);

  // Keeps `ev` (replacing an outcome of the same task and attempt).
  // InvalidArgument for an event that is not an outcome or has no task id.
  absl::Status Add(const v1::TaskEvent& ev);
  // Forgets the outcome of (task_id, attempt); false if it was not kept.
  bool Acknowledge(const std::string& task_id, int32_t attempt);
  // The kept outcomes, oldest first.
  std::vector<v1::TaskEvent> Outcomes() const;
  size_t size() const { return by_key_.size(); }

 private:
  using Key = std::pair<std::string, int32_t>;  // task id, attempt
  struct Entry {
    int64_t seq = 0;  // order of recording
    v1::TaskEvent event;
  };

  explicit ExitLedger(std::string dir) : dir_(std::move(dir)) {}
  std::string FileFor(const Key& key) const;
  void Forget(const Key& key);

  std::string dir_;  // empty: memory only
  int64_t next_seq_ = 0;
  std::map<Key, Entry> by_key_;
  std::map<int64_t, Key> by_seq_;
};

}  // namespace manychip::internal
