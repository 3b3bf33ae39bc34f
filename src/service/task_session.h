#pragma once

// Finding and signalling every process of one task, grandchildren included.
//
// The agent starts each task in a session of its own (its keeper's, see
// task_keeper.h), so the session id is the keeper's pid, and gives it
// MANYCHIP_TASK_ID in its
// environment. A process belongs to the task when it is in that session
// and carries that marker: the marker guards against a recycled session
// id naming somebody else's processes after the agent restarts. A
// grandchild that both leaves the session and clears its environment
// escapes; nothing short of cgroups catches that (see docs/operations.md).

#include <sys/types.h>

#include <vector>

#include "absl/strings/string_view.h"

namespace manychip::internal {

// The env variable that marks a task's processes.
inline constexpr absl::string_view kTaskMarkerEnv = "MANYCHIP_TASK_ID";

// Live processes in session `sid` whose environment has
// MANYCHIP_TASK_ID=`task_id`, read from `proc_root` (/proc; tests may pass
// a fixture). Ascending pids.
std::vector<pid_t> TaskSessionMembers(pid_t sid, absl::string_view task_id,
                                      absl::string_view proc_root = "/proc");

// What to pass to kill() so that every process of the task gets a signal
// exactly once: the task's process group (-group: its main process and
// whatever stayed in its group), then each member of session `sid` that
// moved to a group of its own.
// Naming a process twice would deliver a second SIGTERM whenever the task
// handled the first one in between, and many programs (torchrun, Python's
// default handlers) take a second signal as "stop now".
std::vector<pid_t> TaskSignalTargets(pid_t sid, pid_t group, absl::string_view task_id,
                                     absl::string_view proc_root = "/proc");

// Sends `sig` to every member; returns how many were signalled.
int SignalTaskSession(pid_t sid, absl::string_view task_id, int sig);

}  // namespace manychip::internal
