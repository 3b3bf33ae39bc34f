#pragma once

// A task's keeper: the agent's direct child, which starts the task and
// writes how it ended to a record file before it exits itself.
//
// Why a process between the agent and the task: an outcome the agent has
// not read yet dies with the agent. A task that exits 0 in the
// milliseconds before the agent is SIGKILLed would otherwise leave nothing
// behind, and the next agent life could only call it lost, so the daemon
// would run it again; worse, a task whose start the daemon never heard of
// would be launched again under the same attempt. The keeper outlives the
// agent just long enough: it learns of the agent's death
// (PR_SET_PDEATHSIG), kills the task (tasks still die with their agent, as
// before), reaps it and writes the record, which the next agent life reads
// (TaskRunner) and reports. See docs/operations.md, "Agent restarts".
//
// Between fork and exec the keeper and the task run only
// async-signal-safe code: everything is prepared in the agent first. The
// keeper closes every descriptor it inherited, so it does not keep the
// agent's sockets open for the task's lifetime, and the task inherits only
// its stdio.
//
// Process layout: the keeper leads a session of its own (its pid is the
// session id); the task is a process group of its own inside it (its pid
// is the group id) and dies with the keeper (PR_SET_PDEATHSIG).

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace manychip::internal {

struct KeeperSpec {
  std::string exe;                // absolute path of the program
  std::vector<std::string> argv;  // argv[0] first
  std::vector<std::string> env;   // "NAME=value"
  std::string stdout_path;
  std::string stderr_path;
  std::string workdir;
  // Identifies the outcome in the record, so a record is self-contained.
  std::string task_id;
  int32_t attempt = 0;
  std::string record_path;  // written (via a temporary and rename) when the task ends
};

struct KeeperProcess {
  pid_t keeper = 0;  // the agent's child: reap it, then read the record
  pid_t task = 0;    // the task's process (and process group) id
};

// Forks the keeper, which forks and execs the task. Returns once the task
// runs; an exec failure is returned as an error naming the reason (the
// keeper has then been reaped and no record is left).
absl::StatusOr<KeeperProcess> StartKeeper(const KeeperSpec& spec);

// What a keeper wrote.
struct KeeperRecord {
  std::string task_id;
  int32_t attempt = 0;
  pid_t task = 0;
  int wait_status = 0;  // as waitpid(2) reported it
  // The keeper killed the task because the agent had died: the task did
  // not end on its own, so its outcome is "lost with the agent".
  bool killed_for_dead_agent = false;
};

// Parses a record file; NotFound when there is none, InvalidArgument when
// it is not one.
absl::StatusOr<KeeperRecord> ReadKeeperRecord(const std::string& path);

}  // namespace manychip::internal
