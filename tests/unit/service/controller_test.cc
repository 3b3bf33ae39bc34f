// A whole control plane in-process: the real Controller and scheduler core
// on a FakeClock, a ManualExecutor for the owner thread, and fake agents
// whose sessions record what the controller sent. No sockets, no sleeps:
// time moves only when a test advances the clock and ticks.

#include "src/service/controller.h"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "manychip/codec/model.h"
#include "manychip/core/profile.h"
#include "manychip/store/state_store.h"
#include "src/service/quarantine.h"
#include "tests/testing/cluster_builder.h"
#include "tests/testing/fake_session_link.h"
#include "tests/testing/flaky_state_store.h"
#include "tests/testing/job_builder.h"
#include "tests/testing/manual_executor.h"

namespace manychip::internal {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

using testing::FakeSessionLink;

// One agent: its session and the tasks it runs. `Ack` plays an agent that
// starts what it was sent; a test that wants launches lost just never
// calls it.
struct FakeAgent {
  std::string node;
  int64_t session_id = 0;
  std::shared_ptr<FakeSessionLink> link;
  size_t seen = 0;                         // messages already acted on
  std::map<std::string, int32_t> running;  // task id -> attempt

  std::vector<v1::LaunchTask> Launches() const {
    std::vector<v1::LaunchTask> out;
    for (const v1::ControllerMessage& m : link->sent) {
      if (m.has_launch()) out.push_back(m.launch());
    }
    return out;
  }
  std::vector<std::string> Stops() const {
    std::vector<std::string> out;
    for (const v1::ControllerMessage& m : link->sent) {
      if (m.has_stop()) out.push_back(m.stop().task_id());
    }
    return out;
  }
};

constexpr int32_t kCards = 8;

class ControllerTest : public ::testing::Test {
 protected:
  ControllerTest() : catalog_(testing::CoreCatalog()) {
    options_.heartbeat_interval = absl::Seconds(5);
    options_.node_grace = absl::Seconds(40);
    options_.cycle_interval = absl::Milliseconds(200);
    options_.max_evictions_per_minute = 10;
    options_.launch_ack_timeout = absl::Seconds(10);
    options_.launch_max_sends = 3;
    options_.launch_failure_hold = absl::Minutes(2);
  }

  ~ControllerTest() override {
    if (!state_dir_.empty()) std::filesystem::remove_all(state_dir_);
  }

  // A fresh controller on `store` (in memory when null), restored from it.
  void StartController(std::unique_ptr<StateStore> store = nullptr) {
    controller_.reset();
    agents_.clear();
    if (store == nullptr) store = NewInMemoryStateStore();
    quarantine_ = std::make_shared<Quarantine>();
    SchedulerOptions so;
    so.catalog = catalog_;
    so.clock = &clock_;
    so.profile = DefaultProfile();
    so.extra_plugins = std::make_shared<PluginRegistry>();
    ASSERT_TRUE(RegisterQuarantine(quarantine_, *so.extra_plugins, so.profile).ok());
    auto scheduler = Scheduler::Create(std::move(so));
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    controller_ =
        std::make_unique<Controller>(options_, &clock_, &executor_, catalog_, *std::move(scheduler),
                                     std::move(store), quarantine_);
    ASSERT_TRUE(controller_->Restore().ok());
  }

  std::unique_ptr<StateStore> SqliteStore() {
    if (state_dir_.empty()) {
      state_dir_ = std::filesystem::path(::testing::TempDir()) /
                   absl::StrCat("controller_test_",
                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
      std::filesystem::remove_all(state_dir_);
      std::filesystem::create_directories(state_dir_);
    }
    auto store = OpenSqliteStateStore((state_dir_ / "state.db").string());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // Registers `node` (8 H20 cards) and attaches its session, as an agent
  // reporting `running` and the unacknowledged outcomes `finished` from a
  // previous life would.
  FakeAgent& Connect(const std::string& node, std::map<std::string, int32_t> running = {},
                     std::vector<v1::TaskEvent> finished = {}) {
    NodeSpec spec =
        testing::ClusterBuilder(*catalog_).Node(node).Devices("nvidia-h20", kCards).Build().front();
    v1::Node proto = codec::NodeToProto(spec, *catalog_);
    std::vector<v1::RunningTask> reported;
    for (const auto& [tid, attempt] : running) {
      v1::RunningTask r;
      r.set_task_id(tid);
      r.set_attempt(attempt);
      reported.push_back(r);
    }
    auto resp = controller_->RegisterNode(std::move(spec), std::move(proto), std::move(reported),
                                          std::move(finished));
    EXPECT_TRUE(resp.ok()) << resp.status();
    FakeAgent& a = agents_[node];
    a = FakeAgent{.node = node,
                  .session_id = resp.ok() ? resp->session_id() : 0,
                  .link = std::make_shared<FakeSessionLink>(),
                  .seen = 0,
                  .running = std::move(running)};
    EXPECT_TRUE(controller_->AttachSession(node, a.session_id, a.link).ok());
    Drain();
    return a;
  }

  void Drain() { ASSERT_TRUE(executor_.RunUntilIdle()); }

  void Tick() {
    controller_->Tick();
    Drain();
  }

  void Send(FakeAgent& a, const v1::AgentMessage& msg) {
    controller_->OnAgentMessage(a.node, a.session_id, msg);
    Drain();
  }

  void Heartbeat(FakeAgent& a) {
    v1::AgentMessage msg;
    for (const auto& [tid, attempt] : a.running) {
      v1::RunningTask* r = msg.mutable_heartbeat()->add_running();
      r->set_task_id(tid);
      r->set_attempt(attempt);
    }
    Send(a, msg);
  }

  // The agent starts every launch it was sent since the last call (once
  // per task and attempt, as the real agent dedupes) and ends every stop.
  void Ack(FakeAgent& a) {
    for (; a.seen < a.link->sent.size(); ++a.seen) {
      const v1::ControllerMessage m = a.link->sent[a.seen];  // Send may grow `sent`
      if (m.has_stop()) {
        a.running.erase(m.stop().task_id());
        continue;
      }
      auto [it, added] = a.running.emplace(m.launch().task_id(), m.launch().attempt());
      if (!added && it->second == m.launch().attempt()) continue;
      it->second = m.launch().attempt();
      v1::AgentMessage ev;
      ev.mutable_task_event()->set_task_id(m.launch().task_id());
      ev.mutable_task_event()->set_attempt(m.launch().attempt());
      ev.mutable_task_event()->set_kind(v1::STARTED);
      Send(a, ev);
    }
  }

  // Moves time on by `d` in heartbeat-sized steps; the `alive` agents
  // heartbeat at every step, and the controller ticks.
  void Advance(absl::Duration d, const std::vector<FakeAgent*>& alive) {
    while (d > absl::ZeroDuration()) {
      const absl::Duration step = std::min(d, options_.heartbeat_interval);
      clock_.Advance(step);
      d -= step;
      for (FakeAgent* a : alive) Heartbeat(*a);
      Tick();
    }
  }

  absl::StatusOr<std::string> Submit(JobSpec spec,
                                     Caller caller = Caller{.admin = true, .tenant = ""}) {
    std::optional<absl::StatusOr<std::string>> result;
    controller_->Post("test.submit", [&] {
      controller_->SubmitJob(caller, std::move(spec),
                             [&](absl::StatusOr<std::string> id) { result = std::move(id); });
    });
    EXPECT_TRUE(executor_.RunUntilIdle());
    if (!result.has_value()) return absl::InternalError("submit never answered");
    return *result;
  }

  // A one-task job of tenant team-a asking for `cards` H20 cards.
  JobSpec SmallJob(const std::string& id, int32_t cards) const {
    return testing::JobBuilder(*catalog_, id)
        .Tenant("team-a")
        .Group("workers")
        .Flavor("h20", {"nvidia-h20"})
        .Cards(cards)
        .Build();
  }
  // One that takes a whole node.
  JobSpec WholeNodeJob(const std::string& id) const { return SmallJob(id, kCards); }

  v1::JobStatus Job(const std::string& id) {
    auto st = controller_->GetJob(Caller{.admin = true, .tenant = ""}, id);
    EXPECT_TRUE(st.ok()) << st.status();
    return st.ok() ? *st : v1::JobStatus();
  }

  // The job's one task with the highest attempt.
  v1::TaskStatus Task(const std::string& job_id) {
    v1::JobStatus st = Job(job_id);
    EXPECT_EQ(st.tasks_size(), 1) << st.DebugString();
    return st.tasks_size() > 0 ? st.tasks(0) : v1::TaskStatus();
  }

  v1::NodeStatus Node(const std::string& name) {
    for (v1::NodeStatus& n : controller_->ListNodes()) {
      if (n.node().name() == name) return n;
    }
    ADD_FAILURE() << "no node " << name;
    return v1::NodeStatus();
  }

  // n1 and n2 connected and `job_id` (one whole-node task) placed on one
  // of them, not yet acknowledged: `chosen` got the launch.
  struct TwoNodes {
    FakeAgent* chosen;
    FakeAgent* other;
  };
  TwoNodes PlaceOnOneOfTwo(const std::string& job_id) {
    StartController();
    Connect("n1");
    Connect("n2");
    EXPECT_TRUE(Submit(WholeNodeJob(job_id)).ok());
    Tick();
    FakeAgent& chosen = AgentOf(Task(job_id));
    return {&chosen, &OtherThan(chosen)};
  }

  FakeAgent& AgentOf(const v1::TaskStatus& t) { return agents_.at(t.node()); }
  FakeAgent& OtherThan(const FakeAgent& a) {
    for (auto& [name, b] : agents_) {
      if (name != a.node) return b;
    }
    ADD_FAILURE() << "no agent besides " << a.node;
    return agents_.begin()->second;
  }

  ControllerOptions options_;
  std::shared_ptr<const Catalog> catalog_;
  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  testing::ManualExecutor executor_;
  std::shared_ptr<Quarantine> quarantine_;
  std::unique_ptr<Controller> controller_;
  std::map<std::string, FakeAgent> agents_;
  std::filesystem::path state_dir_;
};

TEST_F(ControllerTest, RegisteredNodeIsReadyAndHeartbeatsKeepItSo) {
  StartController();
  FakeAgent& a = Connect("n1");
  v1::NodeStatus n = Node("n1");
  EXPECT_EQ(n.condition(), v1::READY);
  EXPECT_TRUE(n.schedulable());
  EXPECT_EQ(n.total_milli_devices(), kCards * 1000);
  EXPECT_EQ(n.last_heartbeat_unix_ms(), absl::ToUnixMillis(clock_.Now()));

  Advance(absl::Minutes(2), {&a});
  n = Node("n1");
  EXPECT_EQ(n.condition(), v1::READY);
  EXPECT_EQ(n.last_heartbeat_unix_ms(), absl::ToUnixMillis(clock_.Now()));
}

TEST_F(ControllerTest, SecondSessionForALiveNodeIsRefused) {
  StartController();
  Connect("n1");
  NodeSpec spec =
      testing::ClusterBuilder(*catalog_).Node("n1").Devices("nvidia-h20", kCards).Build().front();
  v1::Node proto = codec::NodeToProto(spec, *catalog_);
  auto resp = controller_->RegisterNode(std::move(spec), std::move(proto), {}, {});
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(ControllerTest, SubmittedJobIsLaunchedAndRunsOnceStarted) {
  StartController();
  FakeAgent& a = Connect("n1");
  auto id = Submit(WholeNodeJob("train-1"));
  ASSERT_TRUE(id.ok()) << id.status();
  Tick();
  ASSERT_THAT(a.Launches(), SizeIs(1));
  EXPECT_EQ(a.Launches()[0].task_id(), "train-1/workers/0");
  EXPECT_EQ(a.Launches()[0].attempt(), 1);
  EXPECT_EQ(Task("train-1").phase(), v1::TASK_BOUND);

  Ack(a);
  EXPECT_EQ(Task("train-1").phase(), v1::TASK_RUNNING);
  EXPECT_EQ(Job("train-1").phase(), v1::RUNNING);
}

TEST_F(ControllerTest, LaunchWaitsForTheWriteThatBindsIt) {
  auto store = std::make_unique<testing::FlakyStateStore>();
  testing::FlakyStateStore* flaky = store.get();
  StartController(std::move(store));
  FakeAgent& a = Connect("n1");
  ASSERT_TRUE(Submit(WholeNodeJob("train-1")).ok());
  flaky->fail = true;
  Tick();
  // Bound in memory, but the binding is not durable: nothing is sent.
  EXPECT_EQ(Task("train-1").phase(), v1::TASK_BOUND);
  EXPECT_THAT(a.Launches(), IsEmpty());
  const int writes = flaky->writes;
  Tick();
  EXPECT_GT(flaky->writes, writes);  // each tick retries
  EXPECT_THAT(a.Launches(), IsEmpty());

  flaky->fail = false;
  Tick();
  ASSERT_THAT(a.Launches(), SizeIs(1));
  auto snap = flaky->Load();
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->bindings.size(), 1u);
  EXPECT_EQ(snap->bindings[0].task.node(), "n1");
}

TEST_F(ControllerTest, SubmitWhoseWriteFailsIsRefusedAndForgotten) {
  auto store = std::make_unique<testing::FlakyStateStore>();
  testing::FlakyStateStore* flaky = store.get();
  StartController(std::move(store));
  flaky->fail = true;
  EXPECT_EQ(Submit(WholeNodeJob("train-1")).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(controller_->GetJob(Caller{.admin = true, .tenant = ""}, "train-1").status().code(),
            absl::StatusCode::kNotFound);
  flaky->fail = false;
  EXPECT_TRUE(Submit(WholeNodeJob("train-1")).ok());
}

// Records the job ids and reasons a watch stream was sent.
class RecordingWatch final : public WatchLink {
 public:
  bool Send(const v1::JobEvent& ev) override {
    got.push_back(ev.status().job().id() + ":" + ev.reason());
    return true;
  }
  bool SendSnapshot(const v1::JobEvent& ev) override { return Send(ev); }
  void Close(const absl::Status&) override {}
  std::vector<std::string> got;
};

TEST_F(ControllerTest, WatchersGetTheCurrentStateThenDurableChangesTheyMaySee) {
  StartController();
  FakeAgent& a = Connect("n1");
  ASSERT_TRUE(Submit(SmallJob("mine", 2)).ok());
  JobSpec theirs = SmallJob("theirs", 2);
  theirs.tenant = "team-b";
  ASSERT_TRUE(Submit(std::move(theirs)).ok());
  auto tenant = std::make_shared<RecordingWatch>();
  auto admin_one = std::make_shared<RecordingWatch>();
  controller_->AddWatcher(Caller{.admin = false, .tenant = "team-a"}, "", tenant);
  controller_->AddWatcher(Caller{.admin = true, .tenant = ""}, "theirs", admin_one);
  EXPECT_THAT(tenant->got, ElementsAre("mine:current"));
  EXPECT_THAT(admin_one->got, ElementsAre("theirs:current"));
  Tick();
  Ack(a);
  // Each flush sends a job's last reason once; the tenant never hears of
  // the other tenant's job, the one-job watcher of no other job.
  EXPECT_THAT(tenant->got, Each(StartsWith("mine:")));
  EXPECT_THAT(admin_one->got, Each(StartsWith("theirs:")));
  ASSERT_GE(tenant->got.size(), 3u);
  EXPECT_EQ(tenant->got.back(), "mine:task mine/workers/0 started");
  ASSERT_GE(admin_one->got.size(), 3u);
  EXPECT_EQ(admin_one->got.back(), "theirs:task theirs/workers/0 started");
}

TEST_F(ControllerTest, SilentNodeTurnsNotReadyAndItsJobFailsOver) {
  auto [chosen, other] = PlaceOnOneOfTwo("train-1");
  FakeAgent& first = *chosen;
  FakeAgent& second = *other;
  Ack(first);
  ASSERT_EQ(Task("train-1").phase(), v1::TASK_RUNNING);

  // Only the other node heartbeats. Within the grace nothing changes.
  Advance(options_.node_grace - absl::Seconds(5), {&second});
  EXPECT_EQ(Node(first.node).condition(), v1::READY);
  EXPECT_EQ(Task("train-1").node(), first.node);

  Advance(absl::Seconds(10), {&second});
  EXPECT_EQ(Node(first.node).condition(), v1::NOT_READY);
  const v1::TaskStatus moved = Task("train-1");
  EXPECT_EQ(moved.node(), second.node);
  EXPECT_EQ(moved.attempt(), 2);
  ASSERT_THAT(second.Launches(), SizeIs(1));
  EXPECT_EQ(second.Launches()[0].attempt(), 2);
  Ack(second);
  EXPECT_EQ(Task("train-1").phase(), v1::TASK_RUNNING);
  EXPECT_EQ(Job("train-1").phase(), v1::RUNNING);
}

TEST_F(ControllerTest, AgentBackWithoutItsTaskFailsTheJobOver) {
  FakeAgent& first = *PlaceOnOneOfTwo("train-1").chosen;
  const std::string first_node = first.node;
  Ack(first);

  // The agent restarts (its restart killed the task) and registers again
  // before the grace ran out, reporting nothing running.
  controller_->DetachSession(first_node, first.session_id);
  Connect(first_node);
  v1::TaskStatus lost = Task("train-1");
  EXPECT_EQ(lost.phase(), v1::TASK_LOST);
  EXPECT_EQ(lost.attempt(), 1);

  // Failed over like a node loss: placed again (either node is free now).
  Tick();
  const v1::TaskStatus moved = Task("train-1");
  EXPECT_EQ(moved.attempt(), 2);
  EXPECT_EQ(moved.phase(), v1::TASK_BOUND);
  const std::vector<v1::LaunchTask> launches = agents_.at(moved.node()).Launches();
  ASSERT_FALSE(launches.empty());
  EXPECT_EQ(launches.back().attempt(), 2);
}

TEST_F(ControllerTest, OutcomeReportedAtRegisterIsAppliedBeforeReconcileAndAckedAfterTheWrite) {
  auto store = std::make_unique<testing::FlakyStateStore>();
  testing::FlakyStateStore* flaky = store.get();
  StartController(std::move(store));
  FakeAgent& a = Connect("n1");
  ASSERT_TRUE(Submit(WholeNodeJob("train-1")).ok());
  Tick();
  Ack(a);
  ASSERT_EQ(Task("train-1").phase(), v1::TASK_RUNNING);

  // The task exits while the session is dying; the agent comes back with
  // the exit unacknowledged and nothing running.
  controller_->DetachSession("n1", a.session_id);
  v1::TaskEvent exited;
  exited.set_task_id("train-1/workers/0");
  exited.set_attempt(1);
  exited.set_kind(v1::EXITED);
  exited.set_exit_code(0);
  Connect("n1", {}, {exited});
  FakeAgent& back = agents_.at("n1");
  // Recorded as finished, not lost and run again.
  EXPECT_EQ(Task("train-1").phase(), v1::TASK_EXITED);
  EXPECT_EQ(Job("train-1").phase(), v1::SUCCEEDED);
  ASSERT_THAT(back.link->sent, SizeIs(1));
  ASSERT_TRUE(back.link->sent[0].has_ack());
  EXPECT_EQ(back.link->sent[0].ack().outcomes(0).task_id(), "train-1/workers/0");
  Tick();
  EXPECT_THAT(back.Launches(), IsEmpty());

  // An exit on the session whose write fails is not acked until it succeeds.
  ASSERT_TRUE(Submit(WholeNodeJob("train-2")).ok());
  Tick();
  Ack(back);
  flaky->fail = true;
  v1::AgentMessage ev;
  *ev.mutable_task_event() = exited;
  ev.mutable_task_event()->set_task_id("train-2/workers/0");
  Send(back, ev);
  Tick();
  const auto acks = [&] {
    int n = 0;
    for (const v1::ControllerMessage& m : back.link->sent) n += m.has_ack();
    return n;
  };
  EXPECT_EQ(acks(), 1);
  flaky->fail = false;
  Tick();
  EXPECT_EQ(acks(), 2);
  EXPECT_EQ(Job("train-2").phase(), v1::SUCCEEDED);
}

// A launch the agent took but never confirmed, and a restart of the agent
// that killed the task: the agent's next life reports it LOST (its keeper
// recorded it). Failed over under a new attempt, never relaunched under
// the one that may already have run.
TEST_F(ControllerTest, ATaskReportedLostIsFailedOverUnderANewAttemptNotRelaunched) {
  StartController();
  FakeAgent& a = Connect("n1");
  ASSERT_TRUE(Submit(WholeNodeJob("train-1")).ok());
  Tick();
  ASSERT_EQ(Task("train-1").phase(), v1::TASK_BOUND);  // STARTED never arrived
  controller_->DetachSession("n1", a.session_id);

  v1::TaskEvent lost;
  lost.set_task_id("train-1/workers/0");
  lost.set_attempt(1);
  lost.set_kind(v1::LOST);
  lost.set_message("killed with its agent");
  Connect("n1", {}, {lost});
  FakeAgent& back = agents_.at("n1");
  const v1::TaskStatus t = Task("train-1");
  EXPECT_NE(t.phase(), v1::TASK_EXITED);
  EXPECT_NE(Job("train-1").phase(), v1::FAILED) << "a loss is not a failure of the task";
  ASSERT_FALSE(back.link->sent.empty());
  EXPECT_TRUE(back.link->sent[0].has_ack()) << "the LOST outcome is acknowledged";
  Tick();
  for (const v1::LaunchTask& l : back.Launches()) {
    EXPECT_NE(l.attempt(), 1) << "attempt 1 may have run already";
  }
  const v1::TaskStatus again = Task("train-1");
  EXPECT_EQ(again.attempt(), 2);
  EXPECT_EQ(again.phase(), v1::TASK_BOUND);
  ASSERT_FALSE(back.Launches().empty());
  EXPECT_EQ(back.Launches().back().attempt(), 2);
}

TEST_F(ControllerTest, DrainEvictsAtTheRateLimitAndOthersPlaceElsewhere) {
  options_.max_evictions_per_minute = 2;
  StartController();
  FakeAgent& n1 = Connect("n1");
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(Submit(SmallJob(id, 2)).ok());
  Tick();
  Ack(n1);
  for (const char* id : {"a", "b", "c"}) ASSERT_EQ(Task(id).node(), "n1") << id;
  FakeAgent& n2 = Connect("n2");

  auto st = controller_->SetSchedulable("n1", false);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_FALSE(st->schedulable());
  // Two tokens: two evictions now, the third waits for a refill.
  EXPECT_THAT(st->evicted_jobs(), ElementsAre("a", "b"));
  EXPECT_TRUE(st->draining());
  EXPECT_EQ(Task("c").node(), "n1");
  EXPECT_EQ(Task("c").phase(), v1::TASK_RUNNING);
  Ack(n1);  // the agent stops what was evicted
  Tick();
  Ack(n2);
  EXPECT_EQ(Task("a").node(), "n2");
  EXPECT_EQ(Task("b").node(), "n2");
  EXPECT_EQ(Task("a").phase(), v1::TASK_RUNNING);

  // One token refills in 30 s at 2 per minute.
  Advance(absl::Seconds(25), {&n1, &n2});
  EXPECT_EQ(Task("c").node(), "n1");
  EXPECT_TRUE(Node("n1").draining());
  Advance(absl::Seconds(5), {&n1, &n2});
  EXPECT_THAT(Node("n1").evicted_jobs(), ElementsAre("a", "b", "c"));
  EXPECT_EQ(Task("c").node(), "n2");
  Ack(n1);
  Ack(n2);
  EXPECT_FALSE(Node("n1").draining());
  EXPECT_THAT(Node("n1").tasks(), IsEmpty());
  EXPECT_THAT(n1.Stops(), ElementsAre("a/workers/0", "b/workers/0", "c/workers/0"));
  EXPECT_EQ(Task("c").phase(), v1::TASK_RUNNING);

  // Uncordoned, it takes work again.
  ASSERT_TRUE(controller_->SetSchedulable("n1", true).ok());
  EXPECT_THAT(Node("n1").evicted_jobs(), IsEmpty());
  ASSERT_TRUE(Submit(SmallJob("d", 4)).ok());
  Tick();
  EXPECT_EQ(Task("d").node(), "n1");
}

TEST_F(ControllerTest, UnacknowledgedLaunchIsResentThenFailedOverAndTheNodeHeld) {
  // The chosen node swallows launches: it never acks them.
  auto [chosen, other] = PlaceOnOneOfTwo("train-1");
  FakeAgent& mute = *chosen;
  FakeAgent& good = *other;
  ASSERT_THAT(mute.Launches(), SizeIs(1));

  Advance(options_.launch_ack_timeout - absl::Seconds(1), {&mute, &good});
  EXPECT_THAT(mute.Launches(), SizeIs(1));
  Advance(absl::Seconds(1), {&mute, &good});
  ASSERT_THAT(mute.Launches(), SizeIs(2));
  EXPECT_EQ(mute.Launches()[1].task_id(), "train-1/workers/0");
  EXPECT_EQ(mute.Launches()[1].attempt(), 1);  // the same attempt: the agent dedupes
  Advance(options_.launch_ack_timeout, {&mute, &good});
  ASSERT_THAT(mute.Launches(), SizeIs(3));

  // After launch_max_sends the job fails over and the node is held.
  Advance(options_.launch_ack_timeout, {&mute, &good});
  EXPECT_THAT(mute.Launches(), SizeIs(3));
  EXPECT_EQ(Task("train-1").node(), good.node);
  EXPECT_EQ(Task("train-1").attempt(), 2);
  EXPECT_FALSE(Node(mute.node).held().empty());
  EXPECT_EQ(Node(mute.node).condition(), v1::READY);
  Ack(good);

  // Held: the next job waits although the node is free.
  ASSERT_TRUE(Submit(WholeNodeJob("train-2")).ok());
  Tick();
  EXPECT_EQ(Job("train-2").phase(), v1::PENDING);
  EXPECT_THAT(mute.Launches(), SizeIs(3));

  // The hold ends; the node gets work again.
  Advance(options_.launch_failure_hold + absl::Seconds(1), {&mute, &good});
  EXPECT_TRUE(Node(mute.node).held().empty());
  EXPECT_EQ(Task("train-2").node(), mute.node);
  EXPECT_THAT(mute.Launches(), SizeIs(4));
}

TEST_F(ControllerTest, NewSessionReleasesALaunchHoldButAStaleEventDoesNot) {
  options_.launch_max_sends = 1;
  auto [chosen, other] = PlaceOnOneOfTwo("train-1");
  FakeAgent& mute = *chosen;
  FakeAgent& good = *other;
  Advance(options_.launch_ack_timeout, {&mute, &good});
  ASSERT_EQ(Task("train-1").node(), good.node);
  ASSERT_FALSE(Node(mute.node).held().empty());

  // A late STARTED for the old attempt is stale (the job moved on) and
  // releases nothing; a new session proves launches reach the node.
  v1::AgentMessage late;
  late.mutable_task_event()->set_task_id("train-1/workers/0");
  late.mutable_task_event()->set_attempt(1);
  late.mutable_task_event()->set_kind(v1::STARTED);
  Send(mute, late);
  EXPECT_FALSE(Node(mute.node).held().empty());
  controller_->DetachSession(mute.node, mute.session_id);
  Connect(mute.node);
  EXPECT_TRUE(Node(mute.node).held().empty());
}

TEST_F(ControllerTest, SecondControllerOnTheSameStoreResumes) {
  StartController(SqliteStore());
  Connect("n1");
  Connect("n2");
  Connect("n3");
  ASSERT_TRUE(controller_->SetSchedulable("n3", false).ok());
  auto first_id = Submit(SmallJob("", 4));
  ASSERT_TRUE(first_id.ok()) << first_id.status();
  EXPECT_EQ(*first_id, "job-000001");
  ASSERT_TRUE(Submit(WholeNodeJob("train-1")).ok());
  Tick();
  for (auto& [name, a] : agents_) Ack(a);
  const v1::TaskStatus before = Task("train-1");
  ASSERT_EQ(before.phase(), v1::TASK_RUNNING);
  std::map<std::string, std::map<std::string, int32_t>> running;
  for (auto& [name, a] : agents_) running[name] = a.running;

  // The daemon restarts: a new controller, scheduler and store handle.
  StartController(SqliteStore());
  EXPECT_EQ(Node("n1").condition(), v1::READY);  // a grace period to reconnect
  EXPECT_TRUE(Node("n1").schedulable());
  EXPECT_TRUE(Node("n2").schedulable());
  EXPECT_FALSE(Node("n3").schedulable());  // the cordon survived
  v1::TaskStatus after = Task("train-1");
  EXPECT_EQ(after.node(), before.node());
  EXPECT_EQ(after.attempt(), before.attempt());
  EXPECT_EQ(after.phase(), v1::TASK_RUNNING);
  EXPECT_EQ(Job("train-1").phase(), v1::RUNNING);
  EXPECT_EQ(Job(*first_id).phase(), v1::RUNNING);

  // The agents come back with their tasks: nothing is launched again.
  for (const auto& [name, tasks] : running) Connect(name, tasks);
  Tick();
  for (auto& [name, a] : agents_) {
    EXPECT_THAT(a.Launches(), IsEmpty()) << name;
    EXPECT_THAT(a.Stops(), IsEmpty()) << name;
  }
  EXPECT_EQ(Task("train-1").attempt(), before.attempt());

  // Job ids continue where the first controller stopped.
  auto next_id = Submit(SmallJob("", 4));
  ASSERT_TRUE(next_id.ok()) << next_id.status();
  EXPECT_EQ(*next_id, "job-000002");
}

// A gang with one task exited 0 and its sibling still running when the
// daemon dies (the chaos test's seed 1): the stored exit must reach the new
// core, or it takes the task for never placed and runs it again under a new
// attempt while the gang's other task still runs its first.
TEST_F(ControllerTest, RestartKeepsTheExitOfAGangTaskWhoseSiblingStillRuns) {
  StartController(SqliteStore());
  FakeAgent& a = Connect("n1");
  ASSERT_TRUE(Submit(testing::JobBuilder(*catalog_, "gang-1")
                         .Tenant("team-a")
                         .Group("workers")
                         .Flavor("h20", {"nvidia-h20"})
                         .Cards(1)
                         .Replicas(2)
                         .Build())
                  .ok());
  Tick();
  Ack(a);
  ASSERT_EQ(Job("gang-1").phase(), v1::RUNNING);
  v1::AgentMessage exited;
  exited.mutable_task_event()->set_task_id("gang-1/workers/0");
  exited.mutable_task_event()->set_attempt(1);
  exited.mutable_task_event()->set_kind(v1::EXITED);
  exited.mutable_task_event()->set_exit_code(0);
  Send(a, exited);
  a.running.erase("gang-1/workers/0");
  ASSERT_TRUE(a.link->sent.back().has_ack()) << "the exit was written and acknowledged";
  const std::map<std::string, int32_t> still_running = a.running;
  ASSERT_THAT(still_running, SizeIs(1));

  // The daemon restarts; the agent comes back with the sibling running.
  StartController(SqliteStore());
  Tick();
  FakeAgent& back = Connect("n1", still_running);
  Tick();
  EXPECT_THAT(back.Launches(), IsEmpty()) << "nothing of the gang is launched again";
  v1::JobStatus job = Job("gang-1");
  ASSERT_EQ(job.tasks_size(), 2) << job.DebugString();
  EXPECT_EQ(job.tasks(0).phase(), v1::TASK_EXITED) << job.DebugString();
  EXPECT_EQ(job.tasks(0).attempt(), 1);
  EXPECT_EQ(job.tasks(1).phase(), v1::TASK_RUNNING);
  EXPECT_EQ(job.phase(), v1::RUNNING);

  // The sibling's exit then finishes the job.
  exited.mutable_task_event()->set_task_id("gang-1/workers/1");
  Send(back, exited);
  Tick();
  EXPECT_EQ(Job("gang-1").phase(), v1::SUCCEEDED);
  EXPECT_THAT(back.Launches(), IsEmpty());
}

// An assigned id tells a tenant how many jobs it submitted, not how many the
// pool has seen: each tenant numbers its own, and the numbers survive a restart.
TEST_F(ControllerTest, AssignedIdsAreNumberedPerTenantAndSurviveARestart) {
  StartController(SqliteStore());
  const Caller team_a{.admin = false, .tenant = "team-a"};
  JobSpec b_job = SmallJob("", 1);
  b_job.tenant = "team-b";
  const Caller team_b{.admin = false, .tenant = "team-b"};

  EXPECT_EQ(Submit(SmallJob("", 1)).value_or("?"), "job-000001");  // the admin's sequence
  EXPECT_EQ(Submit(SmallJob("", 1), team_a).value_or("?"), "team-a.job-000001");
  EXPECT_EQ(Submit(SmallJob("", 1), team_a).value_or("?"), "team-a.job-000002");
  EXPECT_EQ(Submit(b_job, team_b).value_or("?"), "team-b.job-000001");

  StartController(SqliteStore());
  EXPECT_EQ(Submit(SmallJob("", 1), team_a).value_or("?"), "team-a.job-000003");
  EXPECT_EQ(Submit(b_job, team_b).value_or("?"), "team-b.job-000002");
  EXPECT_EQ(Submit(SmallJob("", 1)).value_or("?"), "job-000002");
}

TEST_F(ControllerTest, RestoredNodeThatNeverReturnsFailsItsJobsOver) {
  StartController(SqliteStore());
  Connect("n1");
  ASSERT_TRUE(Submit(WholeNodeJob("train-1")).ok());
  Tick();
  Ack(agents_.at("n1"));
  ASSERT_EQ(Task("train-1").phase(), v1::TASK_RUNNING);

  StartController(SqliteStore());
  FakeAgent& n2 = Connect("n2");
  Advance(options_.node_grace + absl::Seconds(5), {&n2});
  EXPECT_EQ(Node("n1").condition(), v1::NOT_READY);
  EXPECT_EQ(Task("train-1").node(), "n2");
  EXPECT_EQ(Task("train-1").attempt(), 2);
}

}  // namespace
}  // namespace manychip::internal

// ------------------------------------------------------------- event log --

namespace manychip::internal {
namespace {

// Records "seq kind subject" of what a WatchEvents stream was sent.
class RecordingEvents final : public EventLink {
 public:
  bool Send(const v1::Event& ev) override {
    got.push_back(absl::StrCat(ev.seq(), " ", ev.kind(), " ", ev.subject()));
    events.push_back(ev);
    return true;
  }
  bool SendHistory(const v1::Event& ev) override { return Send(ev); }
  void Close(const absl::Status& s) override { closed = s; }
  std::vector<std::string> got;
  std::vector<v1::Event> events;
  absl::Status closed;
};

class ControllerEventsTest : public ControllerTest {
 protected:
  std::vector<v1::Event> List(const Caller& caller, const std::string& job = "",
                              int64_t after = 0) {
    v1::ListEventsRequest req;
    req.set_after_seq(after);
    req.set_job_id(job);
    auto page = controller_->ListEvents(caller, req);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) return {};
    return {page->events().begin(), page->events().end()};
  }
  static std::vector<v1::Event> OfKind(const std::vector<v1::Event>& all, const std::string& kind) {
    std::vector<v1::Event> out;
    for (const v1::Event& e : all) {
      if (e.kind() == kind) out.push_back(e);
    }
    return out;
  }
  JobSpec Prioritized(const std::string& id, const std::string& tenant, int32_t priority,
                      bool preemptible) const {
    return testing::JobBuilder(*catalog_, id)
        .Tenant(tenant)
        .Priority(priority)
        .Preemptible(preemptible)
        .Group("workers")
        .Flavor("h20", {"nvidia-h20"})
        .Cards(kCards)
        .Build();
  }

  const Caller admin_{.admin = true, .tenant = ""};
  const Caller prod_{.admin = false, .tenant = "prod"};
  const Caller batch_{.admin = false, .tenant = "batch"};
  const Caller other_{.admin = false, .tenant = "other"};
};

TEST_F(ControllerEventsTest, APreemptionIsOneEventNamingBothSidesEachTenantSeeingItsOwn) {
  StartController();
  FakeAgent& a = Connect("n1");
  auto live = std::make_shared<RecordingEvents>();
  controller_->AddEventWatcher(admin_, "", /*after_seq=*/0, live);
  ASSERT_TRUE(Submit(Prioritized("low", "batch", 1, true)).ok());
  Tick();
  Ack(a);
  ASSERT_EQ(Job("low").phase(), v1::RUNNING);
  ASSERT_TRUE(Submit(Prioritized("urgent", "prod", 9, false)).ok());
  Tick();

  const std::vector<v1::Event> all = List(admin_);
  const std::vector<v1::Event> preempted = OfKind(all, "job.preempted");
  ASSERT_EQ(preempted.size(), 1u);
  const v1::Event& p = preempted[0];
  EXPECT_EQ(p.subject(), "urgent");
  EXPECT_EQ(p.refs().preemptor().job_id(), "urgent");
  EXPECT_EQ(p.refs().preemptor().tenant(), "prod");
  ASSERT_EQ(p.refs().victims_size(), 1);
  EXPECT_EQ(p.refs().victims(0).job_id(), "low");
  EXPECT_EQ(p.refs().victims(0).tenant(), "batch");
  EXPECT_EQ(p.detail(),
            "urgent (tenant prod, priority 9) preempted low (tenant batch, priority 1)");
  // The other kinds the issue names are there too, with their jobs' refs.
  EXPECT_THAT(OfKind(all, "job.submitted"), SizeIs(2));
  EXPECT_THAT(OfKind(all, "task.bound"), SizeIs(2));
  EXPECT_EQ(OfKind(all, "task.bound")[0].refs().job().tenant(), "batch");
  EXPECT_EQ(OfKind(all, "task.bound")[0].refs().node(), "n1");
  EXPECT_THAT(OfKind(all, "task.stopped"), SizeIs(1));
  EXPECT_THAT(OfKind(all, "node.registered"), SizeIs(1));

  // The watcher got exactly what the store holds, same seqs, same order.
  ASSERT_EQ(live->events.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(live->events[i].seq(), all[i].seq());
  EXPECT_EQ(all.back().seq(), static_cast<int64_t>(all.size()));

  // Each side sees the preemption with the other side redacted; a third
  // tenant sees none of it, and no tenant sees node events.
  const std::vector<v1::Event> batch = OfKind(List(batch_), "job.preempted");
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].subject(), "");
  EXPECT_EQ(batch[0].refs().victims(0).job_id(), "low");
  EXPECT_EQ(batch[0].detail(),
            "a job of another tenant (priority 9) preempted low (tenant batch, priority 1)");
  const std::vector<v1::Event> prod = OfKind(List(prod_), "job.preempted");
  ASSERT_EQ(prod.size(), 1u);
  EXPECT_EQ(prod[0].refs().victims(0).job_id(), "");
  EXPECT_THAT(List(other_), IsEmpty());
  EXPECT_THAT(OfKind(List(batch_), "node.registered"), IsEmpty());
  for (const v1::Event& e : List(batch_)) {
    EXPECT_EQ(e.detail().find("urgent"), std::string::npos) << e.DebugString();
    EXPECT_NE(e.subject(), "urgent");
  }

  // A job filter keeps the events naming the job, on either side.
  const std::vector<v1::Event> about_low = List(admin_, "low");
  EXPECT_THAT(OfKind(about_low, "job.preempted"), SizeIs(1));
  EXPECT_THAT(OfKind(about_low, "job.submitted"), SizeIs(1));
  EXPECT_THAT(OfKind(about_low, "node.registered"), IsEmpty());
}

TEST_F(ControllerEventsTest, ListEventsRefusesBadPagesNamingTheField) {
  StartController();
  v1::ListEventsRequest req;
  req.set_after_seq(-1);
  auto page = controller_->ListEvents(admin_, req);
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(page.status().message()), StartsWith("after_seq:"));
  req.set_after_seq(0);
  req.set_limit(10001);
  page = controller_->ListEvents(admin_, req);
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(page.status().message()), StartsWith("limit:"));
}

TEST_F(ControllerEventsTest, SeqsContinueAcrossARestartAndSinceReadsTheStoredHistory) {
  StartController(SqliteStore());
  Connect("n1");
  ASSERT_TRUE(Submit(SmallJob("a", 2)).ok());
  Tick();
  const int64_t before = List(admin_).back().seq();
  ASSERT_GT(before, 2);

  StartController(SqliteStore());
  auto since = std::make_shared<RecordingEvents>();
  controller_->AddEventWatcher(admin_, "", /*after_seq=*/1, since);
  ASSERT_TRUE(since->closed.ok()) << since->closed;
  ASSERT_EQ(since->events.size(), static_cast<size_t>(before - 1));
  EXPECT_EQ(since->events.front().seq(), 2);
  ASSERT_TRUE(Submit(SmallJob("b", 2)).ok());
  // Numbered on from the stored log, without a gap or a repeat, the same
  // in the stream as in the store.
  for (size_t i = 0; i < since->events.size(); ++i) {
    EXPECT_EQ(since->events[i].seq(), static_cast<int64_t>(i) + 2);
  }
  ASSERT_GT(since->events.back().seq(), before);
  EXPECT_THAT(OfKind(List(admin_, "b"), "job.submitted"), SizeIs(1));
  const std::vector<v1::Event> after = List(admin_, "", before);
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.front().seq(), before + 1);
  EXPECT_EQ(after.back().seq(), since->events.back().seq());
}

// ---------------------------------------------------- --missing_adapter --

TEST_F(ControllerEventsTest, ANodeOfAVendorWithoutAdapterIsRefusedNamingTheVendor) {
  options_.adapter_vendors = std::set<std::string>{"ascend"};  // no nvidia adapter loaded
  options_.missing_adapter = ControllerOptions::MissingAdapter::kRefuse;
  StartController();
  NodeSpec spec =
      testing::ClusterBuilder(*catalog_).Node("n1").Devices("nvidia-h20", kCards).Build().front();
  v1::Node proto = codec::NodeToProto(spec, *catalog_);
  auto resp = controller_->RegisterNode(std::move(spec), std::move(proto), {}, {});
  ASSERT_EQ(resp.status().code(), absl::StatusCode::kFailedPrecondition) << resp.status();
  EXPECT_EQ(resp.status().message(),
            "node n1: no adapter loaded for vendor nvidia (8 devices): generic device choice, "
            "nvidia's pairing rules are not enforced; refused (manychipd "
            "--missing_adapter=refuse): load the vendor's adapter with --adapter_dir, or start "
            "with --missing_adapter=warn");
  EXPECT_THAT(controller_->ListNodes(), IsEmpty());
}

TEST_F(ControllerEventsTest, WarnAdmitsTheNodeWithTheReasonInItsStatusAndTheLog) {
  options_.adapter_vendors = std::set<std::string>{"ascend"};
  options_.missing_adapter = ControllerOptions::MissingAdapter::kWarn;
  StartController();
  Connect("n1");
  const v1::NodeStatus n = Node("n1");
  EXPECT_EQ(n.condition(), v1::READY);
  ASSERT_EQ(n.warnings_size(), 1);
  EXPECT_EQ(n.warnings(0),
            "no adapter loaded for vendor nvidia (8 devices): generic device choice, nvidia's "
            "pairing rules are not enforced");
  const std::vector<v1::Event> ev = OfKind(List(admin_), "node.missing_adapter");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].subject(), "n1");
  EXPECT_EQ(ev[0].detail(), n.warnings(0));
  // With the adapter loaded there is nothing to warn about.
  options_.adapter_vendors = std::set<std::string>{"nvidia"};
  StartController();
  Connect("n2");
  EXPECT_EQ(Node("n2").warnings_size(), 0);
}

}  // namespace
}  // namespace manychip::internal
