#include "src/service/task_runner.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/notification.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/signal_set.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/process.hpp"
#include "boost/process/extend.hpp"
#include "spdlog/spdlog.h"
#include "src/service/exit_ledger.h"
#include "src/service/task_session.h"

namespace manychip::internal {
namespace {

namespace bp = boost::process;

// Runs in the child between fork and exec: a session (and process group)
// of its own, so Stop reaches grandchildren, and death with the agent. The
// agent blocks SIGTERM/SIGINT in all its threads (shutdown_signal.h) and
// gRPC ignores SIGPIPE; a task must not inherit either, or it could never
// stop gracefully.
struct ChildSetup : bp::extend::handler {
  template <class Executor>
  void on_exec_setup(Executor&) const {
    ::setsid();
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
  }
};

// TERM/KILL for the task's process group and for any member of its session
// that moved to another group.
void SignalTask(pid_t pid, const std::string& task_id, int sig) {
  ::kill(-pid, sig);
  ::kill(pid, sig);
  SignalTaskSession(pid, task_id, sig);
}

constexpr size_t kFinishedRemembered = 4096;

std::string FileStem(const std::string& task_id, int32_t attempt) {
  return absl::StrCat(absl::StrReplaceAll(task_id, {{"/", "_"}}), ".", attempt);
}

}  // namespace

struct TaskRunner::Impl {
  struct Proc {
    int32_t attempt = 0;
    int64_t pid = 0;
    std::unique_ptr<bp::child> child;
    std::unique_ptr<boost::asio::steady_timer> kill_timer;
  };

  Impl(std::string dir, EventFn fn)
      : workdir(std::move(dir)),
        on_event(std::move(fn)),
        work(boost::asio::make_work_guard(io)),
        sigchld(io, SIGCHLD) {
    OpenLedger();
    KillPreviousLife();
    WaitChildren();
    thread = std::thread([this] { io.run(); });
  }

  // Outcomes of a previous agent life the daemon never acknowledged are
  // delivered by this one; a duplicate launch of one of them re-reports it.
  void OpenLedger() {
    const std::string dir = (std::filesystem::path(workdir) / "exits").string();
    absl::StatusOr<ExitLedger> opened = ExitLedger::Open(dir);
    if (!opened.ok()) {
      spdlog::error("task outcomes are kept in memory only: {}", opened.status().ToString());
      return;
    }
    for (const v1::TaskEvent& ev : opened->Outcomes()) Remember(ev);
    if (opened->size() > 0) {
      spdlog::info("{} task outcome(s) of a previous agent life still to report", opened->size());
    }
    absl::MutexLock lock(&mu);
    ledger = *std::move(opened);
  }

  // Keeps an outcome until the daemon acknowledges it.
  void KeepLocked(const v1::TaskEvent& ev) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (absl::Status s = ledger.Add(ev); !s.ok()) {
      spdlog::error("task {} attempt {}: outcome kept in memory only: {}", ev.task_id(),
                    ev.attempt(), s.ToString());
    }
  }

  std::filesystem::path TasksDir() const { return std::filesystem::path(workdir) / "tasks"; }

  // A task's pid file: "<pid> <attempt> <task id>". It exists while the
  // task runs, so after a crash of the agent it names what may be left.
  std::filesystem::path PidFile(const std::string& id, int32_t attempt) const {
    return TasksDir() / (FileStem(id, attempt) + ".pid");
  }

  // Tasks of a previous agent life are killed, not adopted: their leader
  // died with that agent (PR_SET_PDEATHSIG), and a new agent is not their
  // parent, so it could neither reap them nor learn how they ended. What is
  // left (grandchildren) is killed by session so it cannot hold devices the
  // daemon will give to someone else; the daemon, told that none of them
  // run, fails them over.
  void KillPreviousLife() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(TasksDir(), ec)) {
      if (entry.path().extension() != ".pid") continue;
      std::ifstream in(entry.path());
      int64_t pid = 0;
      int32_t attempt = 0;
      std::string id;
      if (in >> pid >> attempt >> id && pid > 1) {
        const std::vector<pid_t> left = TaskSessionMembers(static_cast<pid_t>(pid), id);
        for (pid_t p : left) ::kill(p, SIGKILL);
        if (!left.empty()) {
          spdlog::warn("task {} attempt {} outlived the previous agent: killed {} process(es)", id,
                       attempt, left.size());
        }
      }
      std::filesystem::remove(entry.path(), ec);
    }
  }

  ~Impl() {
    boost::asio::post(io, [this] {
      for (auto& [id, p] : procs) {
        SignalTask(static_cast<pid_t>(p.pid), id, SIGKILL);
        ::waitpid(static_cast<pid_t>(p.pid), nullptr, 0);
        std::error_code ec;
        std::filesystem::remove(PidFile(id, p.attempt), ec);
      }
      procs.clear();
      sigchld.cancel();
      work.reset();
      io.stop();
    });
    thread.join();
  }

  void Emit(const v1::TaskEvent& ev) { on_event(ev); }

  void Fail(const v1::LaunchTask& l, std::string why) {
    v1::TaskEvent ev;
    ev.set_task_id(l.task_id());
    ev.set_attempt(l.attempt());
    ev.set_kind(v1::FAILED_TO_START);
    ev.set_exit_code(127);
    ev.set_message(std::move(why));
    {
      absl::MutexLock lock(&mu);
      KeepLocked(ev);
    }
    Remember(ev);
    Emit(ev);
  }

  void Remember(const v1::TaskEvent& ev) {
    if (!finished.contains(ev.task_id())) finished_order.push_back(ev.task_id());
    finished[ev.task_id()] = ev;
    while (finished_order.size() > kFinishedRemembered) {
      finished.erase(finished_order.front());
      finished_order.pop_front();
    }
  }

  void DoLaunch(const v1::LaunchTask& l) {
    const std::string& id = l.task_id();
    if (auto it = procs.find(id); it != procs.end()) {
      if (it->second.attempt != l.attempt()) {
        spdlog::warn("launch {} attempt {} while attempt {} runs; ignored", id, l.attempt(),
                     it->second.attempt);
      }
      return;
    }
    if (auto it = finished.find(id); it != finished.end() && it->second.attempt() == l.attempt()) {
      Emit(it->second);  // the daemon missed the exit: tell it again, do not rerun
      return;
    }
    if (l.command().empty()) return Fail(l, "command is empty");
    boost::filesystem::path exe;
    if (l.command().find('/') != std::string::npos) {
      if (::access(l.command().c_str(), X_OK) != 0) {
        return Fail(l, absl::StrCat("command not found or not executable: ", l.command()));
      }
      exe = l.command();
    } else {
      exe = bp::search_path(l.command());
      if (exe.empty()) return Fail(l, absl::StrCat("command not found in PATH: ", l.command()));
    }
    std::error_code ec;
    const std::filesystem::path dir = std::filesystem::path(workdir) / "tasks";
    std::filesystem::create_directories(dir, ec);
    if (ec) return Fail(l, absl::StrCat("cannot create ", dir.string(), ": ", ec.message()));
    const std::string stem = (dir / FileStem(id, l.attempt())).string();

    bp::environment env = boost::this_process::environment();
    for (const auto& [k, v] : l.env()) env[k] = v;
    env[std::string(kTaskMarkerEnv)] = id;  // how KillPreviousLife recognises the task
    std::vector<std::string> args(l.args().begin(), l.args().end());
    Proc p;
    p.attempt = l.attempt();
    try {
      p.child = std::make_unique<bp::child>(exe, bp::args(args), env, bp::std_out > stem + ".out",
                                            bp::std_err > stem + ".err", bp::std_in < bp::null,
                                            bp::start_dir(workdir), ChildSetup{});
    } catch (const std::exception& e) {
      return Fail(l, absl::StrCat("cannot start ", exe.string(), ": ", e.what()));
    }
    p.pid = p.child->id();
    std::ofstream(PidFile(id, l.attempt())) << p.pid << " " << l.attempt() << " " << id << "\n";
    // Reaped by our SIGCHLD loop, not by bp::child (whose async exit
    // notification missed children exiting close together in Boost 1.74).
    p.child->detach();
    v1::TaskEvent ev;
    ev.set_task_id(id);
    ev.set_attempt(l.attempt());
    ev.set_kind(v1::STARTED);
    ev.set_pid(p.pid);
    {
      absl::MutexLock lock(&mu);
      running[id] = {p.pid, l.attempt()};
    }
    procs[id] = std::move(p);
    spdlog::info("task {} attempt {} started: pid {} ({})", id, l.attempt(), ev.pid(),
                 exe.string());
    Emit(ev);
  }

  void WaitChildren() {
    sigchld.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      Reap();
      WaitChildren();
    });
  }

  // Reaps every exited child; signals coalesce, so one SIGCHLD may stand
  // for several exits.
  void Reap() {
    int raw = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &raw, WNOHANG)) > 0) {
      for (auto& [id, p] : procs) {
        if (p.pid == pid) {
          OnExit(std::string(id), p.attempt, raw);
          break;
        }
      }
    }
  }

  void OnExit(const std::string& id, int32_t attempt, int raw) {
    auto it = procs.find(id);
    if (it == procs.end() || it->second.attempt != attempt) return;
    v1::TaskEvent ev;
    ev.set_task_id(id);
    ev.set_attempt(attempt);
    ev.set_kind(v1::EXITED);
    ev.set_pid(it->second.pid);
    if (WIFSIGNALED(raw)) {
      ev.set_signal(WTERMSIG(raw));
      ev.set_exit_code(128 + WTERMSIG(raw));
    } else {
      ev.set_exit_code(WEXITSTATUS(raw));
    }
    if (it->second.kill_timer) it->second.kill_timer->cancel();
    // The task is over when its leader is: what it left behind goes too.
    const int left = SignalTaskSession(static_cast<pid_t>(it->second.pid), id, SIGKILL);
    if (left > 0) spdlog::info("task {}: killed {} leftover process(es)", id, left);
    {
      // One step, so a Snapshot lists the task as running or as finished.
      absl::MutexLock lock(&mu);
      running.erase(id);
      KeepLocked(ev);
    }
    // After the outcome is on disk: a crash in between leaves both, never neither.
    std::error_code ec;
    std::filesystem::remove(PidFile(id, attempt), ec);
    procs.erase(it);
    spdlog::info("task {} attempt {} exited: code {} signal {}", id, attempt, ev.exit_code(),
                 ev.signal());
    Remember(ev);
    Emit(ev);
    if (procs.empty()) idle_cv.SignalAll();
  }

  void DoStop(const std::string& id, absl::Duration grace) {
    auto it = procs.find(id);
    if (it == procs.end()) return;
    Proc& p = it->second;
    const pid_t pid = static_cast<pid_t>(p.pid);
    SignalTask(pid, id, SIGTERM);
    if (p.kill_timer) return;  // a stop is already under way
    p.kill_timer = std::make_unique<boost::asio::steady_timer>(io);
    p.kill_timer->expires_after(std::chrono::milliseconds(absl::ToInt64Milliseconds(grace)));
    p.kill_timer->async_wait(
        [this, id, attempt = p.attempt, pid](const boost::system::error_code& e) {
          if (e) return;
          auto it = procs.find(id);
          if (it == procs.end() || it->second.attempt != attempt) return;
          spdlog::warn("task {} ignored SIGTERM; killing", id);
          SignalTask(pid, id, SIGKILL);
        });
  }

  const std::string workdir;
  EventFn on_event;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
  boost::asio::signal_set sigchld;
  std::thread thread;

  // io thread only
  std::map<std::string, Proc> procs;
  std::map<std::string, v1::TaskEvent> finished;
  std::deque<std::string> finished_order;

  mutable absl::Mutex mu;
  std::map<std::string, std::pair<int64_t, int32_t>> running ABSL_GUARDED_BY(mu);  // pid, attempt
  ExitLedger ledger ABSL_GUARDED_BY(mu);
  absl::CondVar idle_cv;
};

TaskRunner::TaskRunner(std::string workdir, EventFn on_event)
    : impl_(std::make_unique<Impl>(std::move(workdir), std::move(on_event))) {}

TaskRunner::~TaskRunner() = default;

void TaskRunner::Launch(const v1::LaunchTask& launch) {
  boost::asio::post(impl_->io, [this, launch] { impl_->DoLaunch(launch); });
}

void TaskRunner::Stop(const std::string& task_id, absl::Duration grace) {
  boost::asio::post(impl_->io, [this, task_id, grace] { impl_->DoStop(task_id, grace); });
}

void TaskRunner::StopAll(absl::Duration grace) {
  boost::asio::post(impl_->io, [this, grace] {
    std::vector<std::string> ids;
    for (const auto& [id, p] : impl_->procs) ids.push_back(id);
    for (const std::string& id : ids) impl_->DoStop(id, grace);
  });
  absl::MutexLock lock(&impl_->mu);
  const absl::Time deadline = absl::Now() + grace + absl::Seconds(1);
  while (!impl_->running.empty() && absl::Now() < deadline) {
    impl_->idle_cv.WaitWithDeadline(&impl_->mu,
                                    std::min(deadline, absl::Now() + absl::Milliseconds(50)));
  }
}

namespace {

std::vector<v1::RunningTask> ToRunning(
    const std::map<std::string, std::pair<int64_t, int32_t>>& running) {
  std::vector<v1::RunningTask> out;
  for (const auto& [id, pa] : running) {
    v1::RunningTask t;
    t.set_task_id(id);
    t.set_pid(pa.first);
    t.set_attempt(pa.second);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

std::vector<v1::RunningTask> TaskRunner::Running() const {
  absl::MutexLock lock(&impl_->mu);
  return ToRunning(impl_->running);
}

TaskRunner::Report TaskRunner::Snapshot() const {
  absl::MutexLock lock(&impl_->mu);
  return {.running = ToRunning(impl_->running), .finished = impl_->ledger.Outcomes()};
}

void TaskRunner::Acknowledge(const std::string& task_id, int32_t attempt) {
  absl::MutexLock lock(&impl_->mu);
  impl_->ledger.Acknowledge(task_id, attempt);
}

}  // namespace manychip::internal
