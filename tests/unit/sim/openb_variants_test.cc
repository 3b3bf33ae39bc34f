#include "manychip/sim/openb_variants.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace manychip::sim {
namespace {

OpenbPod Pod(std::string name, int32_t num_gpu, int64_t milli, std::vector<int32_t> spec = {}) {
  OpenbPod p;
  p.name = std::move(name);
  p.cpu_milli = 1000;
  p.num_gpu = num_gpu;
  p.gpu_milli = milli;
  p.gpu_spec_indexes = std::move(spec);
  return p;
}

// 100 pods of each class: CPU-only, sharing, one whole GPU, 4 GPUs, and
// typed sharing pods.
std::vector<OpenbPod> Mix() {
  std::vector<OpenbPod> pods;
  for (int i = 0; i < 100; ++i) {
    const std::string n = std::to_string(i);
    pods.push_back(Pod("c" + n, 0, 0));
    pods.push_back(Pod("s" + n, 1, 500));
    pods.push_back(Pod("w" + n, 1, 1000));
    pods.push_back(Pod("m" + n, 4, 1000));
    pods.push_back(Pod("t" + n, 1, 250, {2}));
  }
  return pods;
}

int Count(const std::vector<OpenbPod>& pods, char prefix) {
  int n = 0;
  for (const OpenbPod& p : pods) n += p.name[0] == prefix ? 1 : 0;
  return n;
}

TEST(OpenbVariantsTest, ParsesClassesAndDecimals) {
  absl::StatusOr<OpenbVariant> v = ParseOpenbVariant("sharing=2,multigpu=0.25,cpu=0,typed=1.5");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->sharing_permille, 2000);
  EXPECT_EQ(v->multigpu_permille, 250);
  EXPECT_EQ(v->cpu_permille, 0);
  EXPECT_EQ(v->typed_permille, 1500);
  EXPECT_EQ(v->whole_permille, 1000);
}

TEST(OpenbVariantsTest, BadEntriesNameTheEntry) {
  for (const char* bad : {"gpus=2", "sharing", "sharing=-1", "sharing=1.2345", "sharing=x",
                          "sharing=101", "sharing=1.", "sharing=.5"}) {
    absl::StatusOr<OpenbVariant> v = ParseOpenbVariant(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(v.status().message(), ::testing::HasSubstr("variant[0]")) << bad;
  }
}

TEST(OpenbVariantsTest, IdentityKeepsThePodList) {
  const std::vector<OpenbPod> pods = Mix();
  absl::StatusOr<std::vector<OpenbPod>> out = DeriveOpenbVariant(pods, OpenbVariant{});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), pods.size());
  for (size_t i = 0; i < pods.size(); ++i) EXPECT_EQ((*out)[i].name, pods[i].name);
}

TEST(OpenbVariantsTest, WholeFactorsCopyAndDropExactly) {
  OpenbVariant v;
  v.sharing_permille = 3000;  // every sharing pod three times
  v.cpu_permille = 0;         // no CPU-only pod
  absl::StatusOr<std::vector<OpenbPod>> out = DeriveOpenbVariant(Mix(), v);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Count(*out, 's'), 300);
  EXPECT_EQ(Count(*out, 'c'), 0);
  EXPECT_EQ(Count(*out, 'w'), 100);
  EXPECT_EQ(Count(*out, 'm'), 100);
  EXPECT_EQ(Count(*out, 't'), 300);  // typed sharing pods are sharing pods too
  std::set<std::string> names;
  for (const OpenbPod& p : *out) names.insert(p.name);
  EXPECT_EQ(names.size(), out->size()) << "copies must get unique names";
}

TEST(OpenbVariantsTest, TypedFactorMultipliesTheKindFactor) {
  OpenbVariant v;
  v.sharing_permille = 2000;
  v.typed_permille = 2000;  // typed sharing pods: 2 x 2
  absl::StatusOr<std::vector<OpenbPod>> out = DeriveOpenbVariant(Mix(), v);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Count(*out, 't'), 400);
  EXPECT_EQ(Count(*out, 's'), 200);
}

TEST(OpenbVariantsTest, FractionalFactorIsDeterministicAndNearExpectation) {
  OpenbVariant v;
  v.multigpu_permille = 1500;
  absl::StatusOr<std::vector<OpenbPod>> a = DeriveOpenbVariant(Mix(), v);
  absl::StatusOr<std::vector<OpenbPod>> b = DeriveOpenbVariant(Mix(), v);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].name, (*b)[i].name);
  // 100 + Binomial(100, 0.5): far outside 120..180 is a broken draw.
  EXPECT_GE(Count(*a, 'm'), 120);
  EXPECT_LE(Count(*a, 'm'), 180);
  EXPECT_EQ(Count(*a, 's'), 100);
}

TEST(OpenbVariantsTest, NoGpuPodLeftIsAnError) {
  OpenbVariant v;
  v.sharing_permille = v.whole_permille = v.multigpu_permille = 0;
  absl::StatusOr<std::vector<OpenbPod>> out = DeriveOpenbVariant(Mix(), v);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace manychip::sim
