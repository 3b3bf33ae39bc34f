// Every example file the project ships loads and validates, and the
// examples say what their names promise.

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "tests/testing/paths.h"
#include "tests/testing/test_catalog.h"

namespace manychip::codec {
namespace {

std::vector<std::string> JsonFilesIn(const std::string& relative_dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(testing::SourcePath(relative_dir))) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ExamplesTest, EveryInventoryLoads) {
  std::vector<std::string> files = JsonFilesIn("examples/inventories");
  EXPECT_GE(files.size(), 5u);
  for (const std::string& file : files) {
    auto node = LoadNodeFile(file, testing::TestCatalog());
    EXPECT_TRUE(node.ok()) << node.status();
  }
}

TEST(ExamplesTest, EveryJobLoads) {
  std::vector<std::string> files = JsonFilesIn("examples/jobs");
  EXPECT_GE(files.size(), 5u);
  for (const std::string& file : files) {
    auto job = LoadJobFile(file, testing::TestCatalog());
    EXPECT_TRUE(job.ok()) << job.status();
  }
}

TEST(ExamplesTest, DemoClusterLoads) {
  auto cluster =
      LoadClusterFile(testing::SourcePath("examples/clusters/demo.json"), testing::TestCatalog());
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  // 1 explicit node + 2 h20 + 2 ascend + 1 ppu + 2 riscv.
  ASSERT_EQ(cluster->nodes.size(), 8u);
  EXPECT_EQ(cluster->nodes[0].name, "kunlun-0");
  EXPECT_EQ(cluster->nodes[1].name, "h20-0000");
  EXPECT_EQ(cluster->nodes[2].name, "h20-0001");
  EXPECT_EQ(cluster->nodes[7].name, "riscv-0001");
  EXPECT_EQ(cluster->nodes[7].arch, Arch::kRiscv64);
  ASSERT_EQ(cluster->tenants.size(), 3u);
  EXPECT_EQ(cluster->tenants[2].weight, 1);  // 0 in the file means 1
}

TEST(ExamplesTest, InventoriesDescribeTheirBoards) {
  const Catalog& catalog = testing::TestCatalog();
  auto h20 = LoadNodeFile(testing::SourcePath("examples/inventories/x86-h20.json"), catalog);
  ASSERT_TRUE(h20.ok()) << h20.status();
  EXPECT_EQ(h20->board, "hgx-8");
  ASSERT_EQ(h20->devices.size(), 8u);
  EXPECT_EQ(catalog.model(h20->devices[0].model).id, "nvidia-h20");  // from "NVIDIA H20"
  EXPECT_EQ(h20->devices[0].memory.raw(), 98304);                    // from the catalog
  EXPECT_EQ(h20->devices[0].links.size(), 7u);
  EXPECT_EQ(h20->software.at("cuda"), "12.4");

  auto p800 =
      LoadNodeFile(testing::SourcePath("examples/inventories/x86-kunlun-p800.json"), catalog);
  ASSERT_TRUE(p800.ok()) << p800.status();
  EXPECT_EQ(p800->board, "kunlun-p800-8");
  EXPECT_EQ(p800->devices[3].numa_node, 0);
  EXPECT_EQ(p800->devices[4].numa_node, 1);
  EXPECT_EQ(p800->devices[0].links.size(), 4u);  // 1, 2, 3 in its group and 4 across

  auto arm = LoadNodeFile(testing::SourcePath("examples/inventories/arm-metax-c500.json"), catalog);
  ASSERT_TRUE(arm.ok()) << arm.status();
  EXPECT_EQ(arm->arch, Arch::kAarch64);  // written "arm64"

  auto a910 =
      LoadNodeFile(testing::SourcePath("examples/inventories/x86-ascend-910a.json"), catalog);
  ASSERT_TRUE(a910.ok()) << a910.status();
  EXPECT_EQ(a910->devices[5].link_group, "ring-1");
  EXPECT_EQ(a910->devices[5].memory.raw(), 32768);

  auto riscv = LoadNodeFile(testing::SourcePath("examples/inventories/riscv-cpu.json"), catalog);
  ASSERT_TRUE(riscv.ok()) << riscv.status();
  EXPECT_TRUE(riscv->devices.empty());
}

TEST(ExamplesTest, MultiFlavorTrainingJob) {
  const Catalog& catalog = testing::TestCatalog();
  auto job = LoadJobFile(testing::SourcePath("examples/jobs/train-multiflavor.json"), catalog);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->task_groups.size(), 1u);
  const TaskGroupSpec& g = job->task_groups[0];
  ASSERT_EQ(g.flavors.size(), 3u);
  EXPECT_EQ(g.min_available, 2);
  EXPECT_EQ(g.flavors[0].demand.card_count() * g.flavors[0].replicas, 8);   // 8 x H20
  EXPECT_EQ(g.flavors[1].demand.card_count() * g.flavors[1].replicas, 16);  // 16 x 910B
  EXPECT_EQ(g.flavors[2].demand.card_count() * g.flavors[2].replicas, 16);  // 16 x PPU
  // "910B3" resolved to its own model; both sorted in catalog order.
  ASSERT_EQ(g.flavors[1].device_models.size(), 2u);
  EXPECT_EQ(catalog.model(g.flavors[1].device_models[0]).id, "ascend-910b");
  EXPECT_EQ(catalog.model(g.flavors[1].device_models[1]).id, "ascend-910b3");
  EXPECT_EQ(g.flavors[0].images[1].arch, Arch::kAarch64);  // "arm64"
}

TEST(ExamplesTest, InferenceAndBatchJobs) {
  const Catalog& catalog = testing::TestCatalog();
  auto llm = LoadJobFile(testing::SourcePath("examples/jobs/inference-llm.json"), catalog);
  ASSERT_TRUE(llm.ok()) << llm.status();
  EXPECT_EQ(llm->kind, JobKind::kInference);
  EXPECT_EQ(llm->latency_slo_ms, 200);
  EXPECT_EQ(llm->min_replicas, 2);

  auto share = LoadJobFile(testing::SourcePath("examples/jobs/inference-fractional.json"), catalog);
  ASSERT_TRUE(share.ok()) << share.status();
  EXPECT_TRUE(share->task_groups[0].flavors[0].demand.is_fractional());

  auto batch = LoadJobFile(testing::SourcePath("examples/jobs/batch-riscv-dataprep.json"), catalog);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->kind, JobKind::kBatch);
  EXPECT_EQ(batch->accepted_arches, std::vector<Arch>{Arch::kRiscv64});
  const FlavorSpec& f = batch->task_groups[0].flavors[0];
  EXPECT_EQ(f.name, "default");
  EXPECT_TRUE(f.demand.is_cpu_only());
  EXPECT_EQ(f.replicas, 8);

  auto urgent = LoadJobFile(testing::SourcePath("examples/jobs/train-high-priority.json"), catalog);
  ASSERT_TRUE(urgent.ok()) << urgent.status();
  EXPECT_EQ(urgent->priority, 900);
  EXPECT_EQ(urgent->task_groups[0].min_available, 1);
  EXPECT_EQ(urgent->task_groups[0].flavors[0].device_models.size(), 2u);  // H100 or H20
  EXPECT_EQ(urgent->task_groups[0].topology.mode, TopologyMode::kRequired);
}

}  // namespace
}  // namespace manychip::codec
