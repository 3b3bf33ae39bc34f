#include <algorithm>
#include <filesystem>

#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "manychip/codec/profile.h"
#include "manychip/core/scheduler.h"
#include "tests/testing/cluster_builder.h"

namespace manychip {
namespace {

// The standalone profiles (the simulator's openb-*.json fill FGD's workload
// from the trace at run time and are tested with the simulator).
TEST(ProfileCodecTest, ShippedProfilesLoadAndBuildAScheduler) {
  int files = 0;
  for (const char* name : {"default.json", "fgd.json", "inference-spread.json"}) {
    std::filesystem::path path =
        std::filesystem::path(MANYCHIP_SOURCE_DIR "/examples/profiles") / name;
    ++files;
    absl::StatusOr<ProfileSpec> p = codec::LoadProfileFile(path.string());
    ASSERT_TRUE(p.ok()) << path << ": " << p.status();
    FakeClock clock;
    SchedulerOptions o;
    o.catalog = testing::CoreCatalog();
    o.clock = &clock;
    o.profile = *p;
    auto s = Scheduler::Create(std::move(o));
    EXPECT_TRUE(s.ok()) << path << ": " << s.status();
  }
  EXPECT_EQ(files, 3);
}

// Fair share, quota and backfill were built into the scheduler before they
// became plugins; every shipped profile names them so its behaviour stays.
TEST(ProfileCodecTest, ShippedProfilesNameTheQueueAndQuotaPolicies) {
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(MANYCHIP_SOURCE_DIR "/examples/profiles")) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    absl::StatusOr<ProfileSpec> p = codec::LoadProfileFile(entry.path().string());
    ASSERT_TRUE(p.ok()) << entry.path() << ": " << p.status();
    for (const char* policy : {"fair_share", "quota", "backfill"}) {
      EXPECT_TRUE(std::any_of(p->plugins.begin(), p->plugins.end(),
                              [&](const PluginArgs& a) { return a.name == policy; }))
          << entry.path() << " lacks " << policy;
    }
  }
  EXPECT_GE(files, 12);
}

TEST(ProfileCodecTest, ErrorsNameTheField) {
  PluginRegistry registry = BuiltinPlugins();
  v1::SchedulerProfile proto;
  ASSERT_TRUE(
      codec::ParseJson(R"({"plugins": [{"name": "arch"}, {"name": "fgdd"}]})", "t", &proto).ok());
  auto p = codec::ProfileFromProto(proto, &registry);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("profile.plugins[1].name: unknown plugin 'fgdd'"),
            std::string::npos)
      << p.status();
  ASSERT_TRUE(
      codec::ParseJson(R"({"plugins": [{"name": "arch", "weight": -2}]})", "t", &proto).ok());
  p = codec::ProfileFromProto(proto, &registry);
  EXPECT_NE(p.status().message().find("profile.plugins[0].weight"), std::string::npos);
  ASSERT_TRUE(
      codec::ParseJson(R"({"plugins": [{"name": "arch"}, {"name": "arch"}]})", "t", &proto).ok());
  EXPECT_FALSE(codec::ProfileFromProto(proto, &registry).ok());
  ASSERT_TRUE(codec::ParseJson(R"({"plugins": [{"name": "spread", "args": {"b": "1", "a": "2"}}],
                                   "seed": 9})",
                               "t", &proto)
                  .ok());
  p = codec::ProfileFromProto(proto, &registry);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->plugins[0].weight, 1);
  EXPECT_EQ(p->plugins[0].args.begin()->first, "a");
  EXPECT_EQ(p->seed, 9u);
}

TEST(ProfileCodecTest, QuotaKeysAreCheckedAndAliasesResolved) {
  auto catalog = testing::CoreCatalog();
  v1::TenantQuota q;
  q.set_tenant("a");
  (*q.mutable_max())["device:NVIDIA-H20"] = 8000;
  (*q.mutable_guaranteed())["h20e"] = 4000;
  auto spec = codec::QuotaFromProto(q, *catalog);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->max.at("device:nvidia-h20"), 8000);
  EXPECT_EQ(spec->weight, 1);
  (*q.mutable_max())["gpus"] = 1;
  spec = codec::QuotaFromProto(q, *catalog);
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("quota.max.gpus: unknown resource key"),
            std::string::npos);
  q.mutable_max()->erase("gpus");
  (*q.mutable_max())["cpu"] = -1;
  EXPECT_FALSE(codec::QuotaFromProto(q, *catalog).ok());
}

}  // namespace
}  // namespace manychip
