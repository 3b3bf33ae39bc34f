#pragma once

// LaunchTracker: the task launcher's bookkeeping. It remembers each
// LaunchTask the agent has not acknowledged yet, says which are due for a
// resend (same task id and attempt: the agent dedupes) and which have used
// up their sends and must fail over, and keeps a node that swallowed
// launches from new work for a while (a hold in the Quarantine).
//
// Invariants: a tracked launch has 1 <= sends <= max_sends; a launch is
// resent at most once per ack timeout, only while `Poll` is told it can be
// sent, and never past max_sends. What to send, and the failover itself,
// stay with the caller.
//
// Thread-safety: none; the controller's owner thread.
//
//   LaunchTracker launches(options, quarantine.get());
//   launches.Sent(task_id, now);                // the first send on a session
//   launches.Acked(task_id);                    // a task event or heartbeat saw it
//   LaunchTracker::Overdue due = launches.Poll(now, state_of_task);
//   for (const auto& r : due.resend) Send(MakeLaunch(r.task_id));
//   for (const std::string& tid : due.give_up) FailOver(tid);

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "src/service/quarantine.h"

namespace manychip::internal {

class LaunchTracker {
 public:
  struct Options {
    absl::Duration ack_timeout = absl::Seconds(10);
    int32_t max_sends = 3;
    absl::Duration failure_hold = absl::Minutes(2);  // <= 0: no holds
  };

  // `quarantine` (not owned; may be null, then nothing is ever held) must
  // outlive the tracker.
  LaunchTracker(Options options, Quarantine* quarantine)
      : options_(options), quarantine_(quarantine) {}

  // The launch went out for the first time (a new attempt, or a resend on
  // a new session, which starts its count afresh).
  void Sent(const std::string& task_id, absl::Time now);
  // It arrived, or it no longer needs to (the task stopped). True if it
  // was tracked.
  bool Forget(const std::string& task_id);
  // Forgets every launch of `job_id` (task ids are "<job>/...").
  void ForgetJob(const std::string& job_id);
  bool tracking(const std::string& task_id) const { return unacked_.contains(task_id); }
  bool empty() const { return unacked_.empty(); }

  // What the caller knows of a tracked task right now.
  enum class TaskState {
    kGone,        // no longer waiting for its launch (stopped, started): forgotten
    kUnsendable,  // its node has no session: left alone, resent on reconnect
    kSendable,
  };
  struct Resend {
    std::string task_id;
    int32_t send = 0;  // this send's number, 2..max_sends
  };
  struct Overdue {
    std::vector<Resend> resend;
    // Used up their sends; still tracked until the caller stops or forgets them.
    std::vector<std::string> give_up;
  };
  // The launches whose ack is overdue at `now`, in task id order. Those
  // resent count as sent now.
  Overdue Poll(absl::Time now, absl::FunctionRef<TaskState(const std::string&)> state);

  // Holds `node` from new work for the failure hold; returns the reason,
  // or nullopt when holds are off.
  std::optional<std::string> Hold(const std::string& node, absl::Time now);
  // Ends the node's hold early (it proved launches reach it); true if it
  // was held.
  bool Release(const std::string& node);
  // Ends the holds whose time has come; their nodes, in name order.
  std::vector<std::string> ExpireHolds(absl::Time now);

  const Options& options() const { return options_; }

 private:
  struct Unacked {
    absl::Time sent;
    int32_t sends = 0;
  };

  const Options options_;
  Quarantine* quarantine_;
  std::map<std::string, Unacked> unacked_;  // by task id
};

}  // namespace manychip::internal
