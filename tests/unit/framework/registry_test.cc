#include "manychip/framework/registry.h"

#include <set>

#include "gtest/gtest.h"
#include "manychip/core/profile.h"
#include "src/plugins/binpack_score.h"
#include "src/plugins/builtin_list.h"

namespace manychip {
namespace {

absl::StatusOr<std::unique_ptr<Plugin>> NewBinpack(const PluginArgs& a, const FrameworkHandle& h) {
  return plugins::NewBinpackScore(a, h);
}

TEST(PluginRegistryTest, DuplicateIsAlreadyExists) {
  PluginRegistry r;
  ASSERT_TRUE(r.Register("x", &NewBinpack).ok());
  EXPECT_EQ(r.Register("x", &NewBinpack).code(), absl::StatusCode::kAlreadyExists);
  PluginRegistry other;
  ASSERT_TRUE(other.Register("x", &NewBinpack).ok());
  EXPECT_EQ(r.Merge(std::move(other)).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(r.Register("", &NewBinpack).code(), absl::StatusCode::kInvalidArgument);
}

TEST(PluginRegistryTest, UnknownPluginAndBadArgsNameThePlugin) {
  PluginRegistry r = BuiltinPlugins();
  FrameworkHandle h;
  auto p = r.Create(PluginArgs{"nope", 1, {}}, h);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("nope"), std::string::npos);
  p = r.Create(PluginArgs{"binpack", 1, {{"colour", "red"}}}, h);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("plugins.binpack.args.colour"), std::string::npos)
      << p.status();
  p = r.Create(PluginArgs{"binpack", -3, {}}, h);
  EXPECT_NE(p.status().message().find("plugins.binpack.weight"), std::string::npos);
  p = r.Create(PluginArgs{"gang", 1, {{"timeout_seconds", "-1"}}}, h);
  EXPECT_NE(p.status().message().find("plugins.gang.args.timeout_seconds"), std::string::npos);
}

TEST(PluginRegistryTest, BuiltinListHasEveryDefaultPluginOnce) {
  PluginRegistry r = BuiltinPlugins();
  std::set<std::string> names;
  for (const auto& e : plugins::BuiltinList()) {
    EXPECT_TRUE(names.insert(std::string(e.name)).second) << e.name;
  }
  for (const PluginArgs& a : DefaultProfile().plugins) EXPECT_TRUE(r.Contains(a.name)) << a.name;
  for (const char* n :
       {"arch", "stack", "taints", "resource_fit", "device_topology", "cluster_topology", "gang",
        "preemption", "throughput", "binpack", "spread", "queue_sort"}) {
    EXPECT_TRUE(r.Contains(n)) << n;
  }
}

TEST(PluginArgsTest, TypedAccessors) {
  PluginArgs a{"p", 1, {{"n", "12"}, {"b", "true"}, {"bad", "x"}}};
  EXPECT_EQ(*a.GetInt("n", 0, 0, 100), 12);
  EXPECT_EQ(*a.GetInt("missing", 7, 0, 100), 7);
  EXPECT_FALSE(a.GetInt("n", 0, 0, 10).ok());
  EXPECT_FALSE(a.GetInt("bad", 0, 0, 10).ok());
  EXPECT_TRUE(*a.GetBool("b", false));
  EXPECT_FALSE(a.GetBool("bad", false).ok());
  EXPECT_FALSE(a.CheckKnown({"n", "b"}).ok());
  EXPECT_TRUE(a.CheckKnown({"n", "b", "bad"}).ok());
}

TEST(DecisionTest, ReasonNamesAreStableAndDistinct) {
  std::set<std::string> codes;
  for (int r = 0; r < kRejectReasonCount; ++r) {
    EXPECT_TRUE(codes.insert(std::string(RejectReasonCode(static_cast<RejectReason>(r)))).second);
    EXPECT_NE(RejectReasonName(static_cast<RejectReason>(r)), "unknown");
  }
  EXPECT_EQ(RejectReasonCode(RejectReason::kInsufficientDevices), "INSUFFICIENT_DEVICES");
  EXPECT_TRUE(Decision::Skip().fit());
  EXPECT_FALSE(Decision::Unschedulable(RejectReason::kInsufficientCpu).fit());
}

}  // namespace
}  // namespace manychip
