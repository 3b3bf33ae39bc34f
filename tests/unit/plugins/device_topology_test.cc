#include "src/plugins/device_topology.h"

#include "gtest/gtest.h"
#include "manychip/adapters/adapter_registry.h"
#include "src/plugins/plugin_util.h"
#include "tests/unit/plugins/plugin_test_util.h"

namespace manychip::plugins {
namespace {

// An adapter with 4-card link groups: a 4-card request must take one whole
// group; 3 cards are never handed out together.
class GroupAdapter final : public DeviceAdapter {
 public:
  absl::string_view vendor() const override { return "nvidia"; }
  absl::StatusOr<DiscoveredDevices> Discover(const Catalog&,
                                             const DiscoverOptions&) const override {
    return DiscoveredDevices{};
  }
  ChooseResult Choose(const NodeSpec& node, absl::Span<const MilliDevices> free,
                      const ChooseRequest& req) const override {
    ChooseResult r;
    if (req.cards == 3) {
      r.failure = ChooseFailure::kIllegalCount;
      return r;
    }
    for (size_t g = 0; g + 4 <= free.size(); g += 4) {
      std::vector<int32_t> in;
      for (size_t i = g; i < g + 4; ++i) {
        if (free[i].raw() == kMilliPerDevice) in.push_back(static_cast<int32_t>(i));
      }
      if (static_cast<int32_t>(in.size()) >= req.cards) {
        in.resize(req.cards);
        r.ok = true;
        r.devices = in;
        r.score = 90;
        return r;
      }
    }
    r.failure = ChooseFailure::kNoLegalGroup;
    return r;
  }
  Visibility VisibilityFor(const NodeSpec&, absl::Span<const int32_t>) const override { return {}; }
  absl::StatusOr<int> CompareStackVersions(absl::string_view, absl::string_view,
                                           absl::string_view) const override {
    return 0;
  }
  absl::Status CheckStack(const NodeSpec&, absl::string_view, absl::string_view) const override {
    return absl::OkStatus();
  }
};

AllocationRequest Take(NodeIndex n, std::vector<int32_t> d) {
  AllocationRequest r;
  r.task = TaskRef{"x", 0, 0};
  r.node = n;
  r.devices = std::move(d);
  r.share = MilliDevices::FromRaw(1000);
  return r;
}

TEST(DeviceTopologyTest, AsksTheVendorAdapterAndProposesItsSet) {
  testing::PluginFixture fx;
  fx.Add(testing::ClusterBuilder(*fx.catalog).Node("n").Devices("nvidia-h20", 8).Build());
  AdapterRegistry reg;
  ASSERT_TRUE(reg.RegisterDevice(std::make_unique<GroupAdapter>()).ok());
  FrameworkHandle h = fx.handle();
  h.adapters = &reg;
  DeviceTopology f(h);
  // Two cards busy in each group: 2 free per group, 4 free in total.
  ASSERT_TRUE(fx.cluster.Assume(Take(0, {0, 1, 4, 5})).ok());
  CycleState four =
      fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("f", {"nvidia-h20"}).Cards(4).Build());
  Decision d = f.Filter(four, fx.cluster.view(0));
  EXPECT_EQ(d.reason, RejectReason::kNoLinkGroup);
  EXPECT_EQ(d.verdict, Verdict::kUnschedulable);
  CycleState two =
      fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("f", {"nvidia-h20"}).Cards(2).Build());
  ASSERT_TRUE(f.Filter(two, fx.cluster.view(0)).fit());
  ASSERT_NE(two.Proposal(0), nullptr);
  EXPECT_EQ(two.Proposal(0)->devices, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(f.Score(two, fx.cluster.view(0)), 90);
  CycleState three =
      fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("f", {"nvidia-h20"}).Cards(3).Build());
  EXPECT_EQ(f.Filter(three, fx.cluster.view(0)).verdict, Verdict::kUnresolvable);
}

TEST(DeviceTopologyTest, WithoutAdapterTakesAnyFreeCardsAndBestFitShare) {
  testing::PluginFixture fx;
  fx.Add(testing::ClusterBuilder(*fx.catalog).Node("n").Devices("nvidia-h20", 4).Build());
  DeviceTopology f(fx.handle());
  ASSERT_TRUE(fx.cluster.Assume(Take(0, {1})).ok());
  AllocationRequest part = Take(0, {2});
  part.share = MilliDevices::FromRaw(600);
  ASSERT_TRUE(fx.cluster.Assume(part).ok());
  CycleState two =
      fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("f", {"nvidia-h20"}).Cards(2).Build());
  // Without an adapter the filter only checks: Reserve makes the generic
  // pick (ChooseGeneric) for the chosen node, so no list is built per node.
  ASSERT_TRUE(f.Filter(two, fx.cluster.view(0)).fit());
  EXPECT_EQ(two.Proposal(0), nullptr);
  ChooseResult pick = ChooseGeneric(fx.cluster.view(0), two.demand());
  ASSERT_TRUE(pick.ok);
  EXPECT_EQ(pick.devices, (std::vector<int32_t>{0, 3}));
  EXPECT_EQ(f.Score(two, fx.cluster.view(0)), pick.score);
  CycleState share = fx.State(
      testing::JobBuilder(*fx.catalog, "j").Flavor("f", {"nvidia-h20"}).Share(300).Build());
  ASSERT_TRUE(f.Filter(share, fx.cluster.view(0)).fit());
  pick = ChooseGeneric(fx.cluster.view(0), share.demand());
  EXPECT_EQ(pick.devices, std::vector<int32_t>{2});  // the tightest card
  EXPECT_EQ(f.Score(share, fx.cluster.view(0)), pick.score);
  EXPECT_EQ(pick.score, 90);  // 400 free for a 300 share
  // Three whole cards do not fit (two are free): the same verdict either way.
  CycleState three =
      fx.State(testing::JobBuilder(*fx.catalog, "j").Flavor("f", {"nvidia-h20"}).Cards(3).Build());
  Decision d = f.Filter(three, fx.cluster.view(0));
  EXPECT_EQ(d.verdict, Verdict::kUnschedulable);
  EXPECT_EQ(d.reason, RejectReason::kInsufficientDevices);
  EXPECT_FALSE(CheckGeneric(fx.cluster.view(0), three.demand()).ok());
  EXPECT_FALSE(ChooseGeneric(fx.cluster.view(0), three.demand()).ok);
}

TEST(DeviceTopologyTest, CheckGenericAgreesWithChooseGeneric) {
  // Every fill pattern of a 4-card node (each card free, 60% used, or full)
  // and every ask: same verdict, failure and score.
  for (int pattern = 0; pattern < 81; ++pattern) {
    testing::PluginFixture fx;
    fx.Add(testing::ClusterBuilder(*fx.catalog).Node("n").Devices("nvidia-h20", 4).Build());
    for (int d = 0, p = pattern; d < 4; ++d, p /= 3) {
      if (p % 3 == 0) continue;
      AllocationRequest r = Take(0, {d});
      if (p % 3 == 1) r.share = MilliDevices::FromRaw(600);
      ASSERT_TRUE(fx.cluster.Assume(r).ok());
    }
    for (JobSpec job :
         {testing::JobBuilder(*fx.catalog, "a").Flavor("f", {"nvidia-h20"}).Cards(1).Build(),
          testing::JobBuilder(*fx.catalog, "b").Flavor("f", {"nvidia-h20"}).Cards(3).Build(),
          testing::JobBuilder(*fx.catalog, "c").Flavor("f", {"nvidia-h20"}).Share(300).Build(),
          testing::JobBuilder(*fx.catalog, "d").Flavor("f", {"nvidia-h20"}).Share(500).Build()}) {
      CycleState cs = fx.State(job);
      ChooseResult full = ChooseGeneric(fx.cluster.view(0), cs.demand());
      GenericFit fit = CheckGeneric(fx.cluster.view(0), cs.demand());
      ASSERT_EQ(full.ok, fit.ok()) << pattern << " " << job.id;
      EXPECT_EQ(full.failure, fit.failure) << pattern << " " << job.id;
      EXPECT_EQ(full.ok ? full.score : 0, fit.score) << pattern << " " << job.id;
    }
  }
}

}  // namespace
}  // namespace manychip::plugins
