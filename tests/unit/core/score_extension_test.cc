// PreScore and the device-choice rule between several score plugins, on
// built clusters with small test plugins registered through
// SchedulerOptions::extra_plugins.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "manychip/core/scheduler.h"
#include "manychip/framework/plugin.h"
#include "manychip/framework/registry.h"
#include "tests/testing/cluster_builder.h"
#include "tests/testing/job_builder.h"

namespace manychip {
namespace {

using testing::ClusterBuilder;
using testing::CoreCatalog;
using testing::JobBuilder;

// What the test plugins saw, in call order.
struct Trace {
  std::vector<std::string> calls;  // "pre:<name>:<feasible>" / "score:<name>"
};

// Picks device `device` on every node it scores, by ProposeDevices or (with
// `defer`) by DeferDevices; its PreScore answers `prescore` (fit/skip/refuse).
class Picker final : public PreScorePlugin, public ScorePlugin, public DeviceChooser {
 public:
  Picker(std::string name, int32_t device, bool defer, std::string prescore, Trace* trace)
      : name_(std::move(name)),
        device_(device),
        defer_(defer),
        prescore_(std::move(prescore)),
        trace_(trace) {}
  absl::string_view name() const override { return name_; }
  Decision PreScore(CycleState&, absl::Span<const NodeIndex> feasible) const override {
    trace_->calls.push_back(absl::StrCat("pre:", name_, ":", feasible.size()));
    if (prescore_ == "skip") return Decision::Skip();
    if (prescore_ == "refuse") {
      return Decision::Unschedulable(RejectReason::kPluginError, "table missing");
    }
    return Decision::Fit();
  }
  int64_t Score(CycleState& state, const NodeView& node) const override {
    trace_->calls.push_back(absl::StrCat("score:", name_));
    if (!Free(node)) return 0;
    if (defer_) {
      state.DeferDevices(this);
    } else {
      state.ProposeDevices(node.index(), {device_}, 100);
    }
    return 50;
  }
  std::vector<int32_t> ChooseDevices(const CycleState&, const NodeView& node) const override {
    if (!Free(node)) return {};
    return {device_};
  }
  bool Free(const NodeView& node) const {
    return node.device_free()[device_].raw() == kMilliPerDevice;
  }

 private:
  std::string name_;
  int32_t device_;
  bool defer_;
  std::string prescore_;
  Trace* trace_;
};

class ScoreExtensionTest : public ::testing::Test {
 protected:
  // `pickers`: name -> (device, defer, prescore); each registered under its
  // name. The profile is the default one plus `extra` entries.
  struct PickerDef {
    std::string name;
    int32_t device;
    bool defer;
    std::string prescore = "fit";
  };
  void Make(const std::vector<PickerDef>& pickers, const std::vector<PluginArgs>& extra) {
    auto registry = std::make_shared<PluginRegistry>();
    for (const PickerDef& p : pickers) {
      Trace* trace = &trace_;
      ASSERT_TRUE(registry
                      ->Register(p.name,
                                 [p, trace](const PluginArgs&, const FrameworkHandle&)
                                     -> absl::StatusOr<std::unique_ptr<Plugin>> {
                                   return std::unique_ptr<Plugin>(
                                       new Picker(p.name, p.device, p.defer, p.prescore, trace));
                                 })
                      .ok());
    }
    SchedulerOptions o;
    o.catalog = catalog_;
    o.clock = &clock_;
    o.profile = DefaultProfile();
    for (const PluginArgs& a : extra) o.profile.plugins.push_back(a);
    o.extra_plugins = std::move(registry);
    auto s = Scheduler::Create(std::move(o));
    ASSERT_TRUE(s.ok()) << s.status();
    s_ = std::move(s).value();
    for (const NodeSpec& n :
         ClusterBuilder(*catalog_).Node("n").Devices("nvidia-h20", 8).Repeat(3).Build()) {
      ASSERT_TRUE(s_->AddNode(n).ok());
    }
  }
  // Places a one-card job and returns its devices.
  std::vector<int32_t> PlaceOne(const std::string& id) {
    EXPECT_TRUE(
        s_->Submit(JobBuilder(*catalog_, id).Flavor("h20", {"nvidia-h20"}).Cards(1).Build()).ok());
    CycleResult r = s_->RunCycle();
    EXPECT_EQ(r.placed.size(), 1u);
    return r.placed.empty() ? std::vector<int32_t>{} : r.placed[0].devices;
  }

  std::shared_ptr<const Catalog> catalog_ = CoreCatalog();
  FakeClock clock_{absl::FromUnixSeconds(1000)};
  std::unique_ptr<Scheduler> s_;
  Trace trace_;
};

TEST_F(ScoreExtensionTest, HeaviestScorePluginPicksDevicesWhateverTheOrder) {
  // Both orders: the weight-2 plugin's device wins, not the last one run.
  for (bool b_first : {false, true}) {
    SCOPED_TRACE(b_first ? "b listed first" : "a listed first");
    PluginArgs a{"pick_a", 1, {}}, b{"pick_b", 2, {}};
    Make({{"pick_a", 3, false}, {"pick_b", 5, false}},
         b_first ? std::vector<PluginArgs>{b, a} : std::vector<PluginArgs>{a, b});
    EXPECT_EQ(PlaceOne("j"), std::vector<int32_t>{5});
  }
}

TEST_F(ScoreExtensionTest, DeferredAndProposedPicksCompeteByRank) {
  // A deferring plugin of lower weight must not override a proposing one of
  // higher weight, and the other way round.
  Make({{"pick_a", 2, true}, {"pick_b", 6, false}}, {{"pick_a", 1, {}}, {"pick_b", 3, {}}});
  EXPECT_EQ(PlaceOne("j1"), std::vector<int32_t>{6});
  Make({{"pick_a", 2, true}, {"pick_b", 6, false}}, {{"pick_b", 1, {}}, {"pick_a", 3, {}}});
  EXPECT_EQ(PlaceOne("j2"), std::vector<int32_t>{2});
}

TEST_F(ScoreExtensionTest, EqualWeightsFirstListedPicks) {
  Make({{"pick_a", 4, true}, {"pick_b", 7, true}}, {{"pick_a", 1, {}}, {"pick_b", 1, {}}});
  EXPECT_EQ(PlaceOne("j1"), std::vector<int32_t>{4});
  Make({{"pick_a", 4, true}, {"pick_b", 7, true}}, {{"pick_b", 1, {}}, {"pick_a", 1, {}}});
  EXPECT_EQ(PlaceOne("j2"), std::vector<int32_t>{7});
}

TEST_F(ScoreExtensionTest, ScorePickOutranksTheTopologyFilterProposal) {
  // device_topology (a Filter) proposes the lowest free cards; a score plugin
  // that picks outranks it.
  Make({{"pick_a", 6, false}}, {{"pick_a", 1, {}}});
  EXPECT_EQ(PlaceOne("j"), std::vector<int32_t>{6});
  // Without a picking score plugin the filter's proposal stands.
  Make({}, {});
  EXPECT_EQ(PlaceOne("k"), std::vector<int32_t>{0});
}

TEST_F(ScoreExtensionTest, PreScoreRunsOncePerTaskWithFeasibleNodesBeforeScore) {
  Make({{"pick_a", 1, false}}, {{"pick_a", 1, {}}});
  ASSERT_TRUE(
      s_->Submit(
            JobBuilder(*catalog_, "j").Flavor("h20", {"nvidia-h20"}).Cards(1).Replicas(2).Build())
          .ok());
  ASSERT_EQ(s_->RunCycle().placed.size(), 2u);
  // Each task's PreScore sees the 3 feasible nodes and comes before that
  // task's Score calls.
  std::vector<std::string> want = {"pre:pick_a:3", "score:pick_a", "score:pick_a", "score:pick_a",
                                   "pre:pick_a:3", "score:pick_a", "score:pick_a", "score:pick_a"};
  EXPECT_EQ(trace_.calls, want);
}

TEST_F(ScoreExtensionTest, PreScoreSkipSkipsThatPluginsScore) {
  Make({{"pick_a", 1, false, "skip"}}, {{"pick_a", 1, {}}});
  // Skipped: its device pick is not made, the filter's proposal stands.
  EXPECT_EQ(PlaceOne("j"), std::vector<int32_t>{0});
  EXPECT_EQ(trace_.calls, std::vector<std::string>{"pre:pick_a:3"});
}

TEST_F(ScoreExtensionTest, PreScoreRefusalIsReportedAndPlacesNothing) {
  Make({{"pick_a", 1, false, "refuse"}}, {{"pick_a", 1, {}}});
  ASSERT_TRUE(
      s_->Submit(JobBuilder(*catalog_, "j").Flavor("h20", {"nvidia-h20"}).Cards(1).Build()).ok());
  CycleResult r = s_->RunCycle();
  EXPECT_TRUE(r.placed.empty());
  EXPECT_EQ(s_->cluster().allocation_count(), 0u);
  absl::StatusOr<JobView> v = s_->GetJob("j");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, JobState::kPending);
  EXPECT_NE(v->last_reject.find("prescore pick_a: table missing"), std::string::npos)
      << v->last_reject;
  EXPECT_NE(v->last_reject.find("3 plugin error"), std::string::npos) << v->last_reject;
  for (const std::string& c : trace_.calls) EXPECT_EQ(c.rfind("score:", 0), std::string::npos);
}

// An embedder's registry feeds several schedulers: Create shares its
// factories instead of moving them out (the second scheduler used to fail
// with "unknown plugin 'pick'").
TEST(ExtraPluginsTest, OneRegistryServesTwoSchedulers) {
  auto registry = std::make_shared<PluginRegistry>();
  Trace trace;
  ASSERT_TRUE(
      registry
          ->Register("pick",
                     [&trace](const PluginArgs&,
                              const FrameworkHandle&) -> absl::StatusOr<std::unique_ptr<Plugin>> {
                       return std::unique_ptr<Plugin>(new Picker("pick", 0, false, "fit", &trace));
                     })
          .ok());
  std::shared_ptr<const Catalog> catalog = CoreCatalog();
  FakeClock clock{absl::FromUnixSeconds(1000)};
  for (int i = 0; i < 2; ++i) {
    SchedulerOptions o;
    o.catalog = catalog;
    o.clock = &clock;
    o.profile = DefaultProfile();
    o.profile.plugins.push_back(PluginArgs{"pick", 1, {}});
    o.extra_plugins = registry;
    auto s = Scheduler::Create(std::move(o));
    ASSERT_TRUE(s.ok()) << "scheduler " << i << ": " << s.status();
  }
  EXPECT_TRUE(registry->Contains("pick"));
}

}  // namespace
}  // namespace manychip
