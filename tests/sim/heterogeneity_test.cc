// The heterogeneity comparison at reduced scale: seed-unicom's four pools at
// 1/16 of their node counts, a generated training + inference workload, and
// the heterogeneity-aware profile against the heterogeneity-blind baseline
// on the same workload. Aware must not lose on JCT.

#include <cstdio>

#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "manychip/codec/profile.h"
#include "manychip/sim/run_report.h"
#include "manychip/sim/trace_run.h"
#include "manychip/sim/workload_gen.h"
#include "manychip/v1/types.pb.h"
#include "tests/testing/paths.h"
#include "tests/testing/test_catalog.h"

namespace manychip::sim {
namespace {

std::vector<NodeSpec> SeedUnicomScaled(const Catalog& catalog, int divisor) {
  v1::Cluster proto;
  EXPECT_TRUE(codec::ReadJsonFile(
                  manychip::testing::SourcePath("examples/clusters/seed-unicom.json"), &proto)
                  .ok());
  for (v1::NodeGroup& g : *proto.mutable_node_groups()) {
    g.set_count(std::max(1, g.count() / divisor));
  }
  auto cluster = codec::ClusterFromProto(proto, catalog);
  EXPECT_TRUE(cluster.ok()) << cluster.status();
  return cluster.ok() ? cluster->nodes : std::vector<NodeSpec>{};
}

TEST(HeterogeneityTest, AwareIsNoWorseThanBlindOnSeedUnicom) {
  auto catalog = std::make_shared<const Catalog>(manychip::testing::TestCatalog());
  std::vector<NodeSpec> nodes = SeedUnicomScaled(*catalog, 16);
  ASSERT_EQ(nodes.size(), 64u + 32u + 5u + 8u);
  GenOptions g{.jobs = 1500, .seed = 7, .inference_pct = 30, .load_pct = 85, .faults = 4};
  auto proto = GenerateWorkload(g, nodes, *catalog);
  ASSERT_TRUE(proto.ok()) << proto.status();
  auto w = WorkloadFromProto(*proto, *catalog);
  ASSERT_TRUE(w.ok()) << w.status();
  std::vector<NamedRun> runs;
  for (const char* name : {"hetero-aware", "hetero-blind"}) {
    auto profile = codec::LoadProfileFile(
        manychip::testing::SourcePath(absl::StrCat("examples/profiles/", name, ".json")));
    ASSERT_TRUE(profile.ok()) << profile.status();
    TraceRunOptions o;
    o.catalog = catalog;
    o.nodes = nodes;
    o.profile = *profile;
    o.faults = w->faults;
    auto r = RunTrace(o, w->jobs);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->jobs, 1500);
    EXPECT_EQ(r->faults, 4);
    runs.emplace_back(name, *std::move(r));
  }
  std::fputs(RunSummaryTable(runs).c_str(), stdout);
  const TraceRunResult& aware = runs[0].second;
  const TraceRunResult& blind = runs[1].second;
  EXPECT_GT(aware.completed, 900);
  EXPECT_LE(aware.jct_seconds.mean, blind.jct_seconds.mean);
}

}  // namespace
}  // namespace manychip::sim
