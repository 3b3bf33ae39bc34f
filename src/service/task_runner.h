#pragma once

// TaskRunner: the agent's supervisor of task processes. Each launched task is
// a real process started through a keeper (task_keeper.h), with the task's
// env (device visibility included), stdout/stderr captured to
// `<workdir>/tasks/<task>.<attempt>.{out,err}`, its exit code or signal
// reported. Each task runs in its keeper's session and a process group of
// its own, and is recognised by MANYCHIP_TASK_ID in its environment
// (task_session.h). Stop sends one SIGTERM to the task's processes,
// grandchildren included, then SIGKILL after the grace period; when the
// task's main process exits, what it left running is killed. Tasks die
// with the agent, but their keepers record how each ended; the next runner
// in the same workdir reads those records (and `<workdir>/tasks/*.pid`,
// killing any grandchild left) and reports each task as EXITED (it ended on
// its own) or LOST (killed with the agent, or no record), so a restarted
// agent never leaves an unknown copy of a task running and never makes the
// daemon rerun a task that had finished.
//
// Every outcome (EXITED, FAILED_TO_START) is also kept in an ExitLedger
// (`<workdir>/exits`) until `Acknowledge` names it, and the ledger of a
// previous agent life is read back at start; `Snapshot` lists running tasks
// and kept outcomes together, so a task is in one of the two lists (or
// both) from its start until its outcome is acknowledged.
//
// Launches are idempotent per (task id, attempt): a duplicate of a running
// task is ignored, a duplicate of a finished one re-reports its exit. That
// is what lets the daemon resend unconfirmed launches after a reconnect
// without ever running a task twice.
//
// Thread-safety: all public methods are thread-safe; events are delivered on
// the runner's own thread.
//
//   TaskRunner runner("/var/lib/manychip-agent", [&](const v1::TaskEvent& e) { Report(e); });
//   runner.Launch(launch);
//   runner.Stop("job-1/main/0", absl::Seconds(10));

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "manychip/v1/agent.pb.h"

namespace manychip::internal {

class TaskRunner {
 public:
  using EventFn = std::function<void(const v1::TaskEvent&)>;

  TaskRunner(std::string workdir, EventFn on_event);
  ~TaskRunner();  // kills whatever still runs
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  void Launch(const v1::LaunchTask& launch);
  void Stop(const std::string& task_id, absl::Duration grace);
  // Stops every task and waits (at most grace + 1 s) for them to exit.
  void StopAll(absl::Duration grace);
  std::vector<v1::RunningTask> Running() const;

  struct Report {
    std::vector<v1::RunningTask> running;
    std::vector<v1::TaskEvent> finished;  // outcomes not yet acknowledged, oldest first
  };
  // Both lists, taken at one moment.
  Report Snapshot() const;
  // The daemon recorded this outcome: forget it.
  void Acknowledge(const std::string& task_id, int32_t attempt);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace manychip::internal
