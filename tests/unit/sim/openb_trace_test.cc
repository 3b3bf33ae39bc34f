#include "manychip/sim/openb_trace.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace manychip::sim {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<Catalog> OpenbModels() {
  std::vector<DeviceModelSpec> models;
  for (const char* id : {"G2", "T4", "V100M16"}) {
    DeviceModelSpec m;
    m.id = id;
    m.vendor = "nvidia";
    m.training_factor_milli = 1000;
    m.inference_factor_milli = 1000;
    models.push_back(m);
  }
  return Catalog::Create(std::move(models), "G2");
}

TEST(OpenbTraceTest, ParsesNodesByHeaderName) {
  auto nodes = ParseOpenbNodes(
      "model,sn,cpu_milli,memory_mib,gpu\nG2,n0,96000,786432,8\nT4,n1,64000,262144,2\n", "n.csv",
      nullptr);
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].name, "n0");
  EXPECT_EQ((*nodes)[0].cpu_milli, 96000);
  EXPECT_EQ((*nodes)[0].gpu_count, 8);
  EXPECT_EQ((*nodes)[1].model, "T4");
  EXPECT_EQ((*nodes)[1].line, 3);
}

TEST(OpenbTraceTest, ResolvesModelsThroughCatalog) {
  auto catalog = OpenbModels();
  ASSERT_TRUE(catalog.ok());
  auto nodes =
      ParseOpenbNodes("sn,cpu_milli,memory_mib,gpu,model\nn0,1000,10,1,t4\n", "n.csv", &*catalog);
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  EXPECT_EQ((*nodes)[0].model_index, catalog->Find("T4")->index);
}

TEST(OpenbTraceTest, UnknownNodeModelNamesFileAndLine) {
  auto catalog = OpenbModels();
  ASSERT_TRUE(catalog.ok());
  auto nodes =
      ParseOpenbNodes("sn,cpu_milli,memory_mib,gpu,model\nn0,1000,10,1,G2\nn1,1,1,1,H800\n",
                      "nodes.csv", &*catalog);
  ASSERT_FALSE(nodes.ok());
  EXPECT_EQ(nodes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(nodes.status().message(), HasSubstr("nodes.csv:3"));
  EXPECT_THAT(nodes.status().message(), HasSubstr("unknown GPU model 'H800'"));
}

TEST(OpenbTraceTest, MissingColumnIsAnError) {
  auto nodes = ParseOpenbNodes("sn,cpu_milli,gpu,model\nn0,1,1,G2\n", "nodes.csv", nullptr);
  ASSERT_FALSE(nodes.ok());
  EXPECT_EQ(nodes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(nodes.status().message(), HasSubstr("nodes.csv:1: missing column 'memory_mib'"));
}

TEST(OpenbTraceTest, NegativeValueNamesColumnAndLine) {
  auto pods = ParseOpenbPods(
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\np0,1000,10,1,500,\np1,-5,10,0,0,\n",
      "pods.csv", nullptr);
  ASSERT_FALSE(pods.ok());
  EXPECT_EQ(pods.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(pods.status().message(), HasSubstr("pods.csv:3: column 'cpu_milli': must be >= 0"));
}

TEST(OpenbTraceTest, NonIntegerIsAnError) {
  auto pods = ParseOpenbPods(
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\np0,1.5,1,0,0,\n", "pods.csv", nullptr);
  ASSERT_FALSE(pods.ok());
  EXPECT_THAT(pods.status().message(), HasSubstr("pods.csv:2: column 'cpu_milli': not an integer"));
}

TEST(OpenbTraceTest, ParsesPodsWithSpecListAndTimes) {
  auto catalog = OpenbModels();
  ASSERT_TRUE(catalog.ok());
  auto pods = ParseOpenbPods(
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
      "deletion_time,scheduled_time\n"
      "p0,8000,30000,1,500,T4|G2,LS,Running,10,,12\n"
      "p1,4000,1000,2,1000,,BE,Pending,20,30,\n"
      "p2,4000,1000,0,0,,BE,Succeeded,1,2,3\n",
      "pods.csv", &*catalog);
  ASSERT_TRUE(pods.ok()) << pods.status();
  ASSERT_EQ(pods->size(), 3u);
  const OpenbPod& p0 = (*pods)[0];
  EXPECT_EQ(p0.gpu_spec, (std::vector<std::string>{"T4", "G2"}));
  EXPECT_EQ(p0.gpu_spec_indexes.size(), 2u);
  EXPECT_TRUE(std::is_sorted(p0.gpu_spec_indexes.begin(), p0.gpu_spec_indexes.end()));
  EXPECT_EQ(p0.creation_time, 10);
  EXPECT_FALSE(p0.deletion_time.has_value());
  EXPECT_EQ(p0.scheduled_time, 12);
  EXPECT_EQ((*pods)[1].total_gpu_milli(), 2000);
  EXPECT_EQ((*pods)[1].deletion_time, 30);
  EXPECT_EQ((*pods)[2].total_gpu_milli(), 0);
}

TEST(OpenbTraceTest, UnknownPodModelIsAnError) {
  auto catalog = OpenbModels();
  ASSERT_TRUE(catalog.ok());
  auto pods = ParseOpenbPods(
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\np0,1000,10,1,500,T4|A100\n",
      "pods.csv", &*catalog);
  ASSERT_FALSE(pods.ok());
  EXPECT_THAT(pods.status().message(),
              HasSubstr("pods.csv:2: column 'gpu_spec': unknown GPU model 'A100'"));
}

TEST(OpenbTraceTest, RejectsInconsistentGpuShares) {
  const std::string header = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\n";
  for (const char* row :
       {"p0,1,1,2,500,\n", "p0,1,1,0,300,\n", "p0,1,1,1,0,\n", "p0,1,1,1,1001,\n"}) {
    auto pods = ParseOpenbPods(header + row, "pods.csv", nullptr);
    EXPECT_FALSE(pods.ok()) << row;
    EXPECT_THAT(pods.status().message(), HasSubstr("pods.csv:2: column 'gpu_milli'")) << row;
  }
}

TEST(OpenbTraceTest, WrongFieldCountAndQuotes) {
  auto bad = ParseOpenbNodes("sn,cpu_milli,memory_mib,gpu,model\nn0,1,1,1\n", "n.csv", nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("n.csv:2: expected 5 fields, got 4"));
  auto quoted = ParseOpenbNodes("sn,cpu_milli,memory_mib,gpu,model\r\n\"n,0\",1,1,1,G2\r\n",
                                "n.csv", nullptr);
  ASSERT_TRUE(quoted.ok()) << quoted.status();
  EXPECT_EQ((*quoted)[0].name, "n,0");
  EXPECT_EQ((*quoted)[0].model, "G2");
}

TEST(OpenbTraceTest, MissingFileIsNotFound) {
  auto nodes = ReadOpenbNodes("/nonexistent/nodes.csv", nullptr);
  EXPECT_EQ(nodes.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace manychip::sim
