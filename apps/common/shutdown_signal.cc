#include "apps/common/shutdown_signal.h"

#include <pthread.h>
#include <signal.h>

#include <thread>
#include <utility>

namespace manychip {
namespace {

sigset_t ShutdownSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void BlockShutdownSignals() {
  const sigset_t set = ShutdownSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void OnShutdownSignal(std::function<void(int)> fn) {
  std::thread([fn = std::move(fn)] {
    const sigset_t set = ShutdownSet();
    int sig = 0;
    if (sigwait(&set, &sig) == 0) fn(sig);
  }).detach();
}

}  // namespace manychip
