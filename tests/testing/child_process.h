#pragma once

// Child processes and polling for tests that run real binaries (manychipd,
// agents, etcd) on loopback.

#include <signal.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace manychip::testing {

// Polls `pred` every 20 ms until it is true or `timeout` passes; returns its
// last value.
bool WaitFor(const std::function<bool()>& pred, absl::Duration timeout);

// A child process with stdout and stderr appended to a log file; killed
// (SIGKILL) and reaped when destroyed. Not thread-safe.
class Process {
 public:
  // argv[0] is a path, not looked up in PATH. pid() is -1 if spawning failed.
  Process(const std::vector<std::string>& argv, const std::string& log);
  ~Process() { Kill(SIGKILL); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& log() const { return log_; }

  // Sends `sig` and waits for the exit.
  void Kill(int sig);
  // Waits for exit; returns the exit status (or 128+signal), -1 on timeout.
  int Wait(absl::Duration timeout = absl::Seconds(10));
  bool running();

 private:
  // Collects the exit status if the child has exited; true then.
  bool Reaped();

  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_;
};

}  // namespace manychip::testing
