#pragma once

// Turning SIGINT/SIGTERM into an orderly shutdown, for the daemon and the
// agent. gRPC servers, io_contexts and task runners cannot be stopped from
// inside a signal handler, so the signals are blocked in every thread and
// one ordinary thread waits for them with sigwait.
//
// Thread-safety: call BlockShutdownSignals first in main, before any thread
// starts (threads inherit the mask); then OnShutdownSignal once.
//
//   int main() {
//     manychip::BlockShutdownSignals();
//     auto server = manychip::Server::Start(o);
//     manychip::OnShutdownSignal([&](int sig) { (*server)->Shutdown(); });
//     (*server)->Wait();
//   }

#include <functional>

namespace manychip {

// Blocks SIGINT and SIGTERM in the calling thread and in the threads it
// starts from now on.
void BlockShutdownSignals();

// Starts a detached thread that waits for SIGINT or SIGTERM and then calls
// `fn` with the signal number, once. `fn` must stay callable for the rest
// of the process (the thread is never joined).
void OnShutdownSignal(std::function<void(int)> fn);

}  // namespace manychip
