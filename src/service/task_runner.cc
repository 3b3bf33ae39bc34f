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
#include "boost/process/search_path.hpp"
#include "spdlog/spdlog.h"
#include "src/service/exit_ledger.h"
#include "src/service/task_keeper.h"
#include "src/service/task_session.h"

extern char** environ;  // the agent's, which a task inherits

namespace manychip::internal {
namespace {

namespace bp = boost::process;

// TERM/KILL, once, for the task's process group and for any member of its
// keeper's session that moved to another group (see TaskSignalTargets).
void SignalTask(pid_t session, pid_t group, const std::string& task_id, int sig) {
  for (pid_t target : TaskSignalTargets(session, group, task_id)) ::kill(target, sig);
}

v1::TaskEvent Lost(const std::string& id, int32_t attempt, std::string why) {
  v1::TaskEvent ev;
  ev.set_task_id(id);
  ev.set_attempt(attempt);
  ev.set_kind(v1::LOST);
  ev.set_message(std::move(why));
  return ev;
}

// The outcome a keeper recorded, as the daemon is told it.
v1::TaskEvent OutcomeOf(const KeeperRecord& rec) {
  if (rec.killed_for_dead_agent) {
    return Lost(rec.task_id, rec.attempt, "killed with its agent");
  }
  v1::TaskEvent ev;
  ev.set_task_id(rec.task_id);
  ev.set_attempt(rec.attempt);
  ev.set_kind(v1::EXITED);
  ev.set_pid(rec.task);
  if (WIFSIGNALED(rec.wait_status)) {
    ev.set_signal(WTERMSIG(rec.wait_status));
    ev.set_exit_code(128 + WTERMSIG(rec.wait_status));
  } else {
    ev.set_exit_code(WEXITSTATUS(rec.wait_status));
  }
  return ev;
}

constexpr size_t kFinishedRemembered = 4096;

std::string FileStem(const std::string& task_id, int32_t attempt) {
  return absl::StrCat(absl::StrReplaceAll(task_id, {{"/", "_"}}), ".", attempt);
}

}  // namespace

struct TaskRunner::Impl {
  struct Proc {
    int32_t attempt = 0;
    int64_t pid = 0;   // the task's process (and group) id
    pid_t keeper = 0;  // the agent's child; its pid is the task's session id
    std::unique_ptr<boost::asio::steady_timer> kill_timer;
  };

  Impl(std::string dir, EventFn fn)
      : workdir(std::move(dir)),
        on_event(std::move(fn)),
        work(boost::asio::make_work_guard(io)),
        sigchld(io, SIGCHLD) {
    OpenLedger();
    RecoverPreviousLife();
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

  // A task's pid file: "<keeper pid> <attempt> <task id> <task pid>". It
  // exists while the task runs, so after a crash of the agent it names what
  // may be left (the keeper's pid is the session id of all of it).
  std::filesystem::path PidFile(const std::string& id, int32_t attempt) const {
    return TasksDir() / (FileStem(id, attempt) + ".pid");
  }
  // Where the keeper records the outcome (task_keeper.h).
  std::filesystem::path RecordFile(const std::string& id, int32_t attempt) const {
    return TasksDir() / (FileStem(id, attempt) + kRecordSuffix);
  }
  static constexpr const char* kRecordSuffix = ".outcome";

  // Tasks of a previous agent life are not adopted: their keepers killed
  // them when that agent died (or they ended on their own just before),
  // and recorded which. Each recorded outcome goes into the ledger, to be
  // reported like any other: a task that exited 0 is never run again, and
  // one killed with the agent is reported LOST, so the daemon fails it over
  // under a new attempt instead of relaunching this one. A task with a pid
  // file and no record (its keeper was killed too) is LOST as well. What is
  // left (grandchildren) is killed by session so it cannot hold devices the
  // daemon will give to someone else.
  void RecoverPreviousLife() {
    std::error_code ec;
    std::vector<std::filesystem::path> pid_files;
    for (const auto& entry : std::filesystem::directory_iterator(TasksDir(), ec)) {
      if (entry.path().extension() == ".pid") pid_files.push_back(entry.path());
    }
    for (const std::filesystem::path& path : pid_files) {
      std::ifstream in(path);
      int64_t session = 0;
      int32_t attempt = 0;
      std::string id;
      if (in >> session >> attempt >> id) {
        const bool known = session > 1;  // 0: the agent died while starting it
        if (known) {
          const std::vector<pid_t> left = TaskSessionMembers(static_cast<pid_t>(session), id);
          for (pid_t p : left) ::kill(p, SIGKILL);
          if (!left.empty()) {
            spdlog::warn("task {} attempt {} outlived the previous agent: killed {} process(es)",
                         id, attempt, left.size());
          }
        }
        // Its keeper writes the record once the task is reaped: give it a
        // moment (it is not our child, so there is nothing to wait on).
        const std::filesystem::path record = RecordFile(id, attempt);
        const absl::Time deadline = absl::Now() + (known ? absl::Seconds(3) : absl::Seconds(1));
        while (!std::filesystem::exists(record, ec) &&
               (!known || ::kill(static_cast<pid_t>(session), 0) == 0) && absl::Now() < deadline) {
          absl::SleepFor(absl::Milliseconds(5));
        }
        if (!std::filesystem::exists(record, ec)) {
          Recover(Lost(id, attempt, "the agent restarted while it ran; its outcome is unknown"));
        }
      }
      std::filesystem::remove(path, ec);
    }
    std::vector<std::filesystem::path> records;
    for (const auto& entry : std::filesystem::directory_iterator(TasksDir(), ec)) {
      if (entry.path().extension() == kRecordSuffix) records.push_back(entry.path());
    }
    for (const std::filesystem::path& path : records) {
      absl::StatusOr<KeeperRecord> rec = ReadKeeperRecord(path.string());
      if (rec.ok()) {
        Recover(OutcomeOf(*rec));
      } else {
        spdlog::warn("dropping {}: {}", path.string(), rec.status().ToString());
      }
      std::filesystem::remove(path, ec);
    }
  }

  // An outcome of a previous life, kept (before its files go) and reported
  // with the ledger's others.
  void Recover(const v1::TaskEvent& ev) {
    // The ledger's copy wins: an agent that died between removing a pid
    // file and its record leaves an outcome it already kept.
    if (auto it = finished.find(ev.task_id());
        it != finished.end() && it->second.attempt() == ev.attempt()) {
      return;
    }
    spdlog::info("task {} attempt {} ended in the previous agent life: {}", ev.task_id(),
                 ev.attempt(),
                 ev.kind() == v1::LOST ? ev.message() : absl::StrCat("exit code ", ev.exit_code()));
    absl::MutexLock lock(&mu);
    KeepLocked(ev);
    Remember(ev);
  }

  ~Impl() {
    boost::asio::post(io, [this] {
      for (auto& [id, p] : procs) {
        SignalTask(p.keeper, static_cast<pid_t>(p.pid), id, SIGKILL);
        ::waitpid(p.keeper, nullptr, 0);
        std::error_code ec;
        std::filesystem::remove(PidFile(id, p.attempt), ec);
        std::filesystem::remove(RecordFile(id, p.attempt), ec);
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

    KeeperSpec spec;
    spec.exe = exe.string();
    spec.argv.push_back(l.command());
    spec.argv.insert(spec.argv.end(), l.args().begin(), l.args().end());
    std::map<std::string, std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      const absl::string_view kv(*e);
      const size_t eq = kv.find('=');
      if (eq != absl::string_view::npos)
        env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
    for (const auto& [k, v] : l.env()) env[k] = v;
    env[std::string(kTaskMarkerEnv)] = id;  // how a later agent life recognises the task
    for (const auto& [k, v] : env) spec.env.push_back(absl::StrCat(k, "=", v));
    spec.stdout_path = stem + ".out";
    spec.stderr_path = stem + ".err";
    spec.workdir = workdir;
    spec.task_id = id;
    spec.attempt = l.attempt();
    spec.record_path = RecordFile(id, l.attempt()).string();
    // Written before the fork, so an agent that dies while starting the
    // task leaves a name for what its keeper may record (pids come later).
    std::ofstream(PidFile(id, l.attempt())) << 0 << " " << l.attempt() << " " << id << " 0\n";
    absl::StatusOr<KeeperProcess> started = StartKeeper(spec);
    if (!started.ok()) {
      std::filesystem::remove(PidFile(id, l.attempt()), ec);
      return Fail(l, std::string(started.status().message()));
    }
    Proc p;
    p.attempt = l.attempt();
    p.pid = started->task;
    p.keeper = started->keeper;
    std::ofstream(PidFile(id, l.attempt()))
        << p.keeper << " " << l.attempt() << " " << id << " " << p.pid << "\n";
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
        if (p.keeper == pid) {
          OnExit(std::string(id), p.attempt, raw);
          break;
        }
      }
    }
  }

  // The keeper ended (`raw` is its wait status): it recorded the task's.
  void OnExit(const std::string& id, int32_t attempt, int raw) {
    auto it = procs.find(id);
    if (it == procs.end() || it->second.attempt != attempt) return;
    const std::filesystem::path record = RecordFile(id, attempt);
    absl::StatusOr<KeeperRecord> rec = ReadKeeperRecord(record.string());
    v1::TaskEvent ev;
    if (rec.ok() && rec->task_id == id && rec->attempt == attempt) {
      ev = OutcomeOf(*rec);
    } else {
      // Only a keeper killed from outside leaves no record; the task died
      // with it (PR_SET_PDEATHSIG) and how it would have ended is unknown.
      ev = Lost(id, attempt,
                absl::StrCat("its keeper process ended (",
                             WIFSIGNALED(raw) ? absl::StrCat("signal ", WTERMSIG(raw))
                                              : absl::StrCat("code ", WEXITSTATUS(raw)),
                             ") without recording how the task ended"));
    }
    if (it->second.kill_timer) it->second.kill_timer->cancel();
    // The task is over when its leader is: what it left behind goes too.
    const int left = SignalTaskSession(it->second.keeper, id, SIGKILL);
    if (left > 0) spdlog::info("task {}: killed {} leftover process(es)", id, left);
    {
      // One step, so a Snapshot lists the task as running or as finished.
      absl::MutexLock lock(&mu);
      running.erase(id);
      KeepLocked(ev);
    }
    // After the outcome is on disk: a crash in between leaves both, never neither.
    // The pid file first: one left without its record would make a later
    // life call the task lost (the ledger's copy wins, see Recover).
    std::error_code ec;
    std::filesystem::remove(PidFile(id, attempt), ec);
    std::filesystem::remove(record, ec);
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
    const pid_t keeper = p.keeper;
    // A stop already under way has sent its SIGTERM and will escalate on
    // its own timer: a repeated stop (the controller resends until the exit
    // is reported) must not deliver a second one.
    if (p.kill_timer) return;
    SignalTask(keeper, pid, id, SIGTERM);
    p.kill_timer = std::make_unique<boost::asio::steady_timer>(io);
    p.kill_timer->expires_after(std::chrono::milliseconds(absl::ToInt64Milliseconds(grace)));
    p.kill_timer->async_wait(
        [this, id, attempt = p.attempt, pid, keeper](const boost::system::error_code& e) {
          if (e) return;
          auto it = procs.find(id);
          if (it == procs.end() || it->second.attempt != attempt) return;
          spdlog::warn("task {} ignored SIGTERM; killing", id);
          SignalTask(keeper, pid, id, SIGKILL);
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
