#include <functional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "tests/testing/test_catalog.h"

namespace manychip::codec {
namespace {

using ::testing::StartsWith;

constexpr char kBaseCluster[] = R"json({
  "name": "c",
  "nodes": [{"name": "cpu-a", "arch": "riscv64", "cpu_milli": 8000, "memory_mib": 16384}],
  "node_groups": [
    {"name_prefix": "gpu", "count": 3,
     "template": {"name": "ignored", "arch": "x86_64", "cpu_milli": 8000, "memory_mib": 16384,
                  "devices": [{"index": 0, "model": "nvidia-h20"}]}}
  ],
  "tenants": [
    {"tenant": "alpha", "guaranteed": {"h20e": 1000, "device:nvidia-h20": 1000},
     "max": {"h20e": 2000, "vendor:nvidia": 4000}, "weight": 3}
  ]
})json";

v1::Cluster BaseCluster() {
  v1::Cluster c;
  absl::Status status = ParseJson(kBaseCluster, "base", &c);
  EXPECT_TRUE(status.ok()) << status;
  return c;
}

TEST(ClusterCodecTest, ExpandsGroupsInOrder) {
  auto cluster = ClusterFromProto(BaseCluster(), testing::TestCatalog());
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  ASSERT_EQ(cluster->nodes.size(), 4u);
  EXPECT_EQ(cluster->nodes[0].name, "cpu-a");
  EXPECT_EQ(cluster->nodes[1].name, "gpu-0000");
  EXPECT_EQ(cluster->nodes[3].name, "gpu-0002");
  EXPECT_EQ(cluster->nodes[3].devices.size(), 1u);
  EXPECT_EQ(cluster->tenants[0].weight, 3);
  EXPECT_EQ(cluster->tenants[0].max.at("vendor:nvidia"), 4000);
}

TEST(ClusterCodecTest, LargeGroupsGetWiderNames) {
  v1::Cluster c = BaseCluster();
  c.mutable_node_groups(0)->set_count(10001);
  auto cluster = ClusterFromProto(c, testing::TestCatalog());
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  EXPECT_EQ(cluster->nodes[1].name, "gpu-00000");
  EXPECT_EQ(cluster->nodes.back().name, "gpu-10000");
}

struct BadCluster {
  const char* name;
  std::function<void(v1::Cluster&)> mutate;
  const char* message;
};

class BadClusterTest : public ::testing::TestWithParam<BadCluster> {};

TEST_P(BadClusterTest, IsRejectedWithFieldPath) {
  v1::Cluster p = BaseCluster();
  GetParam().mutate(p);
  auto cluster = ClusterFromProto(p, testing::TestCatalog());
  ASSERT_FALSE(cluster.ok());
  EXPECT_EQ(cluster.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(cluster.status().message()), StartsWith(GetParam().message));
}

const BadCluster kBadClusters[] = {
    {"NodeErrorHasIndex", [](v1::Cluster& c) { c.mutable_nodes(0)->set_cpu_milli(0); },
     "nodes[0].cpu_milli: must be > 0, got 0"},
    {"TemplateErrorHasPath",
     [](v1::Cluster& c) { c.mutable_node_groups(0)->mutable_template_()->set_arch("ppc"); },
     "node_groups[0].template.arch: unknown architecture \"ppc\""},
    {"DuplicateNodeName", [](v1::Cluster& c) { c.mutable_nodes(0)->set_name("gpu-0001"); },
     "node_groups[0].name_prefix: node name \"gpu-0001\" is already used by nodes[0]"},
    {"DuplicateExplicitNodes", [](v1::Cluster& c) { *c.add_nodes() = c.nodes(0); },
     "nodes[1].name: duplicate node name \"cpu-a\" (also nodes[0])"},
    {"ZeroCount", [](v1::Cluster& c) { c.mutable_node_groups(0)->set_count(0); },
     "node_groups[0].count: must be in 1..100000, got 0"},
    {"BadPrefix", [](v1::Cluster& c) { c.mutable_node_groups(0)->set_name_prefix("GPU"); },
     "node_groups[0].name_prefix: must match"},
    {"MissingTemplate", [](v1::Cluster& c) { c.mutable_node_groups(0)->clear_template_(); },
     "node_groups[0].template: must be set"},
    {"DuplicateTenant", [](v1::Cluster& c) { *c.add_tenants() = c.tenants(0); },
     "tenants[1].tenant: duplicate tenant \"alpha\" (also tenants[0])"},
    {"UnknownQuotaKey", [](v1::Cluster& c) { (*c.mutable_tenants(0)->mutable_max())["gpus"] = 1; },
     "tenants[0].max[\"gpus\"]: unknown resource key"},
    {"UnknownQuotaModel",
     [](v1::Cluster& c) { (*c.mutable_tenants(0)->mutable_max())["device:x100"] = 1; },
     "tenants[0].max[\"device:x100\"]: unknown device model \"x100\""},
    {"UnknownQuotaVendor",
     [](v1::Cluster& c) { (*c.mutable_tenants(0)->mutable_guaranteed())["vendor:acme"] = 1; },
     "tenants[0].guaranteed[\"vendor:acme\"]: unknown vendor \"acme\""},
    {"NegativeQuota", [](v1::Cluster& c) { (*c.mutable_tenants(0)->mutable_max())["cpu"] = -1; },
     "tenants[0].max[\"cpu\"]: must be >= 0, got -1"},
    {"GuaranteedAboveMax",
     [](v1::Cluster& c) { (*c.mutable_tenants(0)->mutable_guaranteed())["h20e"] = 3000; },
     "tenants[0].guaranteed[\"h20e\"]: 3000 exceeds max 2000"},
    {"NegativeWeight", [](v1::Cluster& c) { c.mutable_tenants(0)->set_weight(-1); },
     "tenants[0].weight: must be >= 0, got -1"},
};

INSTANTIATE_TEST_SUITE_P(Rules, BadClusterTest, ::testing::ValuesIn(kBadClusters),
                         [](const ::testing::TestParamInfo<BadCluster>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace manychip::codec
