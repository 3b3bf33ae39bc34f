// `manychip-sim gen`: deterministic per seed, valid workloads whose mix and
// offered load follow the documented distributions, and clear errors.

#include "manychip/sim/workload_gen.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "manychip/sim/workload.h"
#include "tests/testing/cluster_builder.h"

namespace manychip::sim {
namespace {

using ::testing::HasSubstr;

class WorkloadGenTest : public ::testing::Test {
 protected:
  std::shared_ptr<const Catalog> catalog_ = manychip::testing::CoreCatalog();
  // 16-card PPU nodes and 8-card H100 nodes: tasks hold at most 8 cards.
  std::vector<NodeSpec> nodes_ = manychip::testing::ClusterBuilder(*catalog_)
                                     .Node("ppu")
                                     .Devices("ppu-zw810e", 16)
                                     .Repeat(20)
                                     .Node("h100")
                                     .Devices("nvidia-h100", 8)
                                     .Repeat(10)
                                     .Build();
};

TEST_F(WorkloadGenTest, SameSeedSameWorkloadOtherSeedOtherWorkload) {
  GenOptions g{.jobs = 300, .seed = 11, .faults = 5};
  auto a = GenerateWorkload(g, nodes_, *catalog_);
  auto b = GenerateWorkload(g, nodes_, *catalog_);
  g.seed = 12;
  auto c = GenerateWorkload(g, nodes_, *catalog_);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*codec::ToJson(*a, false), *codec::ToJson(*b, false));
  EXPECT_NE(*codec::ToJson(*a, false), *codec::ToJson(*c, false));
}

TEST_F(WorkloadGenTest, WorkloadIsValidAndFollowsTheDistributions) {
  GenOptions g{.jobs = 2000, .seed = 3, .inference_pct = 30, .load_pct = 85, .faults = 20};
  auto proto = GenerateWorkload(g, nodes_, *catalog_);
  ASSERT_TRUE(proto.ok()) << proto.status();
  auto w = WorkloadFromProto(*proto, *catalog_);
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ(w->jobs.size(), 2000u);
  int64_t services = 0, per_model = 0, last = 0, work = 0;
  int64_t capacity = 0;  // milli reference cards
  for (const NodeSpec& n : nodes_) {
    for (const DeviceSpec& d : n.devices)
      capacity += catalog_->model(d.model).training_factor_milli;
  }
  for (const TraceJob& j : w->jobs) {
    EXPECT_GE(j.submit_seconds, last);
    last = j.submit_seconds;
    const TaskGroupSpec& group = j.spec.task_groups.at(0);
    for (const FlavorSpec& f : group.flavors) {
      EXPECT_LE(f.demand.devices.raw(), 8000) << j.spec.id;
      EXPECT_EQ(f.replicas, group.flavors.front().replicas);
    }
    per_model += group.flavors.size() > 1 ? 1 : 0;
    if (j.spec.kind == JobKind::kInference) {
      ++services;
      EXPECT_GT(j.inference.request_rate_milli, 0);
      EXPECT_GT(j.spec.latency_slo_ms, 0);
      EXPECT_GE(j.duration_seconds, 3600);
      const int64_t cards =
          group.flavors.front().demand.devices.raw() / 1000 * group.flavors.front().replicas;
      work += cards * 1000 * j.duration_seconds;
    } else {
      EXPECT_GT(j.work, 0);
      work += j.work * 1000;
    }
  }
  // 30% inference and half of the jobs with per-model flavors, within a few
  // standard deviations of 2000 draws.
  EXPECT_NEAR(services, 600, 90);
  EXPECT_NEAR(per_model, 1000, 120);
  // Offered load over the arrival window: about 85% of the capacity.
  const double load = 100.0 * static_cast<double>(work) /
                      (static_cast<double>(capacity) * static_cast<double>(last));
  EXPECT_NEAR(load, 85.0, 8.0);
  ASSERT_EQ(w->faults.size(), 20u);
  for (const FaultEvent& f : w->faults) {
    EXPECT_GT(f.recover_at_seconds, f.at_seconds);
    EXPECT_TRUE(f.node.rfind("ppu-", 0) == 0 || f.node.rfind("h100-", 0) == 0) << f.node;
  }
}

TEST_F(WorkloadGenTest, BadOptionsAreInvalidArgument) {
  for (GenOptions g : {GenOptions{.jobs = 0}, GenOptions{.inference_pct = 101},
                       GenOptions{.load_pct = 0}, GenOptions{.faults = -1}}) {
    auto w = GenerateWorkload(g, nodes_, *catalog_);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  }
  auto none = GenerateWorkload({}, manychip::testing::ClusterBuilder(*catalog_).Node("c").Build(),
                               *catalog_);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("cluster: has no devices"));
}

}  // namespace
}  // namespace manychip::sim
