#pragma once

// Registrar: the controller's persistence, after the Mesos master's actor
// of that name. It keeps what changed since the last durable write (job,
// task and node keys, events) and what may only leave the daemon once that
// write succeeded (messages to agents, job notifications for watchers), and
// `Flush` writes all of it as one StoreWrite.
//
// Invariant: nothing marked is released before the write holding it
// returned ok, so a restart never forgets a task it launched and never
// launches one twice. A failed Flush keeps everything for the next one.
// Records are read at Flush time from a `Source` (the controller's
// tables), so a key marked twice is written once, as it is then.
//
// Thread-safety: none; the controller's owner thread.
//
//   Registrar registrar(store.get(), &clock);
//   registrar.MarkJob(id, "submitted");
//   registrar.AddEvent("job.submitted", id, tenant);
//   registrar.Send(node, launch);
//   MC_ASSIGN_OR_RETURN(Registrar::Released out, registrar.Flush(tables));
//   for (auto& [node, msg] : out.sends) Deliver(node, msg);

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "manychip/clock.h"
#include "manychip/store/state_store.h"
#include "manychip/v1/agent.pb.h"
#include "manychip/v1/scheduler.pb.h"

namespace manychip::internal {

class Registrar {
 public:
  // The current records behind marked keys; nullopt when the key is gone
  // (then nothing is written for it).
  class Source {
   public:
    virtual ~Source() = default;
    virtual std::optional<v1::JobStatus> JobRecord(const std::string& id) const = 0;
    virtual std::optional<BindingRecord> BindingRecordOf(const std::string& task_id) const = 0;
    virtual std::optional<NodeRecord> NodeRecordOf(const std::string& name) const = 0;
  };

  // What a successful Flush released, in the order it was queued.
  struct Released {
    std::vector<std::pair<std::string, v1::ControllerMessage>> sends;  // node, message
    std::map<std::string, std::string> notify;                         // job id -> last reason
    std::vector<EventRecord> events;  // numbered as the store numbered them
  };

  // `store` and `clock` are not owned and must outlive the registrar.
  Registrar(StateStore* store, const Clock* clock) : store_(*store), clock_(*clock) {}

  // The job changed; watchers hear of it with `reason` (the last one wins).
  void MarkJob(const std::string& id, std::string reason);
  void MarkTask(const std::string& task_id) { tasks_.insert(task_id); }
  void MarkNode(const std::string& name) { nodes_.insert(name); }
  // Appends to the event log, stamped now.
  void AddEvent(std::string kind, std::string subject, std::string detail, v1::EventRefs refs = {});
  // The store's last event seq (StoreSnapshot::last_event_seq). The store
  // numbers each write's events on from it and the daemon is its only
  // writer, so counting here gives released events the seqs they got.
  void set_last_event_seq(int64_t seq) { last_event_seq_ = seq; }
  int64_t last_event_seq() const { return last_event_seq_; }
  // Queues `msg` for `node` until the next successful Flush.
  void Send(const std::string& node, v1::ControllerMessage msg);

  // Drops everything queued for a job that never became durable (a submit
  // whose write failed): its key, notification and events.
  void ForgetJob(const std::string& id);

  // Something is left to write or release.
  bool pending() const;
  // A job key is waiting to be written.
  bool jobs_pending() const { return !jobs_.empty(); }
  // Records or messages (not only events) wait.
  bool changes_pending() const { return !jobs_.empty() || !tasks_.empty() || !sends_.empty(); }

  // Writes everything marked as one StoreWrite (none when nothing is
  // marked) and, on success, hands back what it released. On error the
  // store's status, and everything stays queued.
  absl::StatusOr<Released> Flush(const Source& source);

 private:
  StateStore& store_;
  const Clock& clock_;
  std::set<std::string> jobs_;
  std::set<std::string> tasks_;
  std::set<std::string> nodes_;
  std::vector<EventRecord> events_;
  std::vector<std::pair<std::string, v1::ControllerMessage>> sends_;
  std::map<std::string, std::string> notify_;
  int64_t last_event_seq_ = 0;
};

}  // namespace manychip::internal
