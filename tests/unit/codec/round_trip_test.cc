// Core -> proto -> core gives the same value back, for every shipped example:
// the control plane stores and sends these protos.

#include <filesystem>
#include <string>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "tests/testing/paths.h"
#include "tests/testing/test_catalog.h"

namespace manychip::codec {
namespace {

using google::protobuf::util::MessageDifferencer;

template <typename Fn>
void ForEachJson(const std::string& dir, Fn fn) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(testing::SourcePath(dir))) {
    if (e.path().extension() != ".json") continue;
    SCOPED_TRACE(e.path().string());
    fn(e.path().string());
    ++n;
  }
  EXPECT_GT(n, 0) << dir;
}

TEST(RoundTripTest, Jobs) {
  const Catalog& catalog = testing::TestCatalog();
  ForEachJson("examples/jobs", [&](const std::string& file) {
    auto job = LoadJobFile(file, catalog);
    ASSERT_TRUE(job.ok()) << job.status();
    v1::Job once = JobToProto(*job, catalog);
    auto again = JobFromProto(once, catalog);
    ASSERT_TRUE(again.ok()) << again.status();
    v1::Job twice = JobToProto(*again, catalog);
    std::string diff;
    MessageDifferencer differ;
    differ.ReportDifferencesToString(&diff);
    EXPECT_TRUE(differ.Compare(once, twice)) << diff;
    // Spot-check fields the proto comparison cannot see being lost both ways.
    EXPECT_EQ(again->task_groups.size(), job->task_groups.size());
    for (size_t g = 0; g < job->task_groups.size(); ++g) {
      const TaskGroupSpec& a = job->task_groups[g];
      const TaskGroupSpec& b = again->task_groups[g];
      EXPECT_EQ(a.min_available, b.min_available);
      ASSERT_EQ(a.flavors.size(), b.flavors.size());
      for (size_t f = 0; f < a.flavors.size(); ++f) {
        EXPECT_EQ(a.flavors[f].name, b.flavors[f].name);
        EXPECT_EQ(a.flavors[f].device_models, b.flavors[f].device_models);
        EXPECT_EQ(a.flavors[f].min_available, b.flavors[f].min_available);
        EXPECT_EQ(a.flavors[f].demand.devices, b.flavors[f].demand.devices);
        EXPECT_EQ(a.flavors[f].required_stacks.size(), b.flavors[f].required_stacks.size());
      }
    }
    EXPECT_EQ(again->accepted_arches, job->accepted_arches);
    EXPECT_EQ(again->latency_slo_ms, job->latency_slo_ms);
    EXPECT_EQ(again->duration, job->duration);
    EXPECT_EQ(again->labels, job->labels);
  });
}

TEST(RoundTripTest, Nodes) {
  const Catalog& catalog = testing::TestCatalog();
  ForEachJson("examples/inventories", [&](const std::string& file) {
    auto node = LoadNodeFile(file, catalog);
    ASSERT_TRUE(node.ok()) << node.status();
    v1::Node once = NodeToProto(*node, catalog);
    auto again = NodeFromProto(once, catalog);
    ASSERT_TRUE(again.ok()) << again.status();
    v1::Node twice = NodeToProto(*again, catalog);
    std::string diff;
    MessageDifferencer differ;
    differ.ReportDifferencesToString(&diff);
    EXPECT_TRUE(differ.Compare(once, twice)) << diff;
    EXPECT_EQ(again->arch, node->arch);
    EXPECT_EQ(again->software, node->software);
    ASSERT_EQ(again->devices.size(), node->devices.size());
    for (size_t i = 0; i < node->devices.size(); ++i) {
      EXPECT_EQ(again->devices[i].model, node->devices[i].model);
      EXPECT_EQ(again->devices[i].memory, node->devices[i].memory);
      EXPECT_EQ(again->devices[i].physical_id, node->devices[i].physical_id);
      EXPECT_EQ(again->devices[i].links.size(), node->devices[i].links.size());
    }
  });
}

TEST(RoundTripTest, ProtoSurvivesJson) {
  // What the store writes (JSON with proto field names) reads back the same.
  const Catalog& catalog = testing::TestCatalog();
  auto job = LoadJobFile(testing::SourcePath("examples/jobs/train-multiflavor.json"), catalog);
  ASSERT_TRUE(job.ok()) << job.status();
  v1::Job proto = JobToProto(*job, catalog);
  auto json = ToJson(proto);
  ASSERT_TRUE(json.ok());
  v1::Job back;
  ASSERT_TRUE(ParseJson(*json, "stored", &back).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(proto, back));
}

}  // namespace
}  // namespace manychip::codec
