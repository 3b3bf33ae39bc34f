// The FGD paper's openb experiment at reduced scale (three seeds instead of
// ten) on the shipped trace, through the real Scheduler and the shipped
// profiles: every baseline within 1 point of its published unallocated-GPU
// figure, fgd within 0.5 (0.3 is checked over all ten seeds by the full run,
// see docs/simulator.md). Our manychip profile (FGD, CPU-only tasks break FGD's
// ties towards nodes without idle GPUs) is checked to stay within 0.3 points
// of FGD's published figure on these three seeds; its ten-seed mean (4.72)
// and the workload variants are in docs/simulator.md.
// Skips when the trace files are absent.

#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

#include "gtest/gtest.h"
#include "manychip/codec/profile.h"
#include "manychip/core/catalog.h"
#include "manychip/sim/openb_batch.h"

namespace manychip::sim {
namespace {

const std::string kDir = std::string(MANYCHIP_SOURCE_DIR) + "/";
const std::string kNodes = kDir + "data/alibaba-gpu-v2023/openb_node_list_gpu_node.csv";
const std::string kPods = kDir + "data/alibaba-gpu-v2023/openb_pod_list_default.csv";

std::shared_ptr<const Catalog> TraceCatalog() {
  // The models of examples/catalog/openb.json; built here so this test does
  // not depend on the catalog codec.
  std::vector<DeviceModelSpec> models;
  for (const char* id : {"G2", "G3", "T4", "P100", "V100M16", "V100M32", "A10"}) {
    DeviceModelSpec m;
    m.id = id;
    m.vendor = "nvidia";
    m.training_factor_milli = 1000;
    m.inference_factor_milli = 1000;
    models.push_back(m);
  }
  return std::make_shared<const Catalog>(*Catalog::Create(std::move(models), "G2"));
}

struct Published {
  const char* policy;
  double unallocated_at_100;
  double tolerance;
};

// Keeps ctest's discovered names readable (gtest would print the raw bytes).
void PrintTo(const Published& p, std::ostream* os) { *os << p.policy; }

class OpenbReproductionTest : public ::testing::TestWithParam<Published> {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(kNodes) || !std::filesystem::exists(kPods)) return;
    catalog_ = new std::shared_ptr<const Catalog>(TraceCatalog());
    auto n = ReadOpenbNodes(kNodes, catalog_->get());
    auto p = ReadOpenbPods(kPods, catalog_->get());
    ASSERT_TRUE(n.ok()) << n.status();
    ASSERT_TRUE(p.ok()) << p.status();
    nodes_ = new std::vector<OpenbNode>(*n);
    pods_ = new std::vector<OpenbPod>(*p);
  }
  static std::shared_ptr<const Catalog>* catalog_;
  static std::vector<OpenbNode>* nodes_;
  static std::vector<OpenbPod>* pods_;
};
std::shared_ptr<const Catalog>* OpenbReproductionTest::catalog_ = nullptr;
std::vector<OpenbNode>* OpenbReproductionTest::nodes_ = nullptr;
std::vector<OpenbPod>* OpenbReproductionTest::pods_ = nullptr;

TEST_P(OpenbReproductionTest, MatchesPublishedFigure) {
  if (nodes_ == nullptr) GTEST_SKIP() << "trace not present: " << kNodes << ", " << kPods;
  const Published& want = GetParam();
  auto profile = codec::LoadProfileFile(kDir + "examples/profiles/openb-" +
                                        std::string(want.policy) + ".json");
  ASSERT_TRUE(profile.ok()) << profile.status();
  OpenbRunOptions o;
  o.catalog = *catalog_;
  o.profile = *profile;
  auto r = RunOpenbPolicy(*nodes_, *pods_, want.policy, o, {42, 43, 44}, 2, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->unallocated_at_100, want.unallocated_at_100, want.tolerance) << want.policy;
  // Fragmentation ratio at 100% arrival is ~99% for every policy in the paper.
  EXPECT_GT(r->frag_ratio_at_100, 90.0);
  // Inflation to 130%: more arrivals than trace pods.
  EXPECT_GT(r->seeds[0].arrivals, static_cast<int64_t>(pods_->size()));
}

INSTANTIATE_TEST_SUITE_P(
    Paper, OpenbReproductionTest,
    ::testing::Values(Published{"random", 13.70, 1.0}, Published{"dotprod", 9.38, 1.0},
                      Published{"gpuclustering", 8.35, 1.0}, Published{"gpupacking", 8.22, 1.0},
                      Published{"bestfit", 7.14, 1.0}, Published{"fgd", 4.77, 0.5}),
    [](const ::testing::TestParamInfo<Published>& i) { return std::string(i.param.policy); });

TEST_F(OpenbReproductionTest, ManychipStaysWithFgd) {
  if (nodes_ == nullptr) GTEST_SKIP() << "trace not present";
  auto profile = codec::LoadProfileFile(kDir + "examples/profiles/openb-manychip.json");
  ASSERT_TRUE(profile.ok()) << profile.status();
  OpenbRunOptions o;
  o.catalog = *catalog_;
  o.profile = *profile;
  auto r = RunOpenbPolicy(*nodes_, *pods_, "manychip", o, {42, 43, 44}, 2, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LT(r->unallocated_at_100, 4.77 + 0.3);
}

TEST_F(OpenbReproductionTest, SameSeedTwiceIdenticalJson) {
  if (nodes_ == nullptr) GTEST_SKIP() << "trace not present";
  auto profile = codec::LoadProfileFile(kDir + "examples/profiles/openb-fgd.json");
  ASSERT_TRUE(profile.ok()) << profile.status();
  OpenbRunOptions o;
  o.catalog = *catalog_;
  o.profile = *profile;
  auto a = RunOpenbPolicy(*nodes_, *pods_, "fgd", o, {51}, 1, nullptr);
  auto b = RunOpenbPolicy(*nodes_, *pods_, "fgd", o, {51}, 1, nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(OpenbResultJson(*a, false), OpenbResultJson(*b, false));
}

}  // namespace
}  // namespace manychip::sim
