#include "src/metrics/cluster_metrics.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "src/metrics/daemon_metrics.h"
#include "tests/testing/test_catalog.h"

namespace manychip::metrics {
namespace {

v1::NodeStatus Node(const std::string& name, const std::string& arch, const std::string& model,
                    int devices, int64_t allocated) {
  v1::NodeStatus n;
  n.mutable_node()->set_name(name);
  n.mutable_node()->set_arch(arch);
  for (int i = 0; i < devices; ++i) {
    v1::Device* d = n.mutable_node()->add_devices();
    d->set_index(i);
    d->set_model(model);
    d->set_health(v1::HEALTHY);
  }
  n.set_condition(v1::READY);
  n.set_schedulable(true);
  n.set_total_milli_devices(1000 * devices);
  n.set_allocated_milli_devices(allocated);
  return n;
}

// A job with one task on `node` holding `devices` at `milli` each.
v1::JobStatus Job(const std::string& id, const std::string& tenant, const std::string& node,
                  std::vector<int32_t> devices, int64_t milli, v1::TaskPhase phase) {
  v1::JobStatus j;
  j.mutable_job()->set_id(id);
  j.mutable_job()->set_tenant(tenant);
  v1::TaskGroup* g = j.mutable_job()->add_task_groups();
  g->set_name("main");
  v1::Flavor* f = g->add_flavors();
  f->set_name("f0");
  f->mutable_demand()->set_milli_devices(milli);
  j.set_phase(phase == v1::TASK_PENDING ? v1::PENDING : v1::RUNNING);
  v1::TaskStatus* t = j.add_tasks();
  t->set_group("main");
  t->set_flavor("f0");
  t->set_phase(phase);
  if (phase != v1::TASK_PENDING) t->set_node(node);
  for (int32_t d : devices) t->add_devices(d);
  return j;
}

TEST(SummarizePoolTest, SumsCapacityAllocationAndHealthByVendorModelArch) {
  const Catalog& catalog = testing::TestCatalog();
  // Node "a" names its model by an alias, as inventories may.
  std::vector<v1::NodeStatus> nodes = {Node("a", "x86_64", "NVIDIA H20", 8, 2250),
                                       Node("b", "aarch64", "ascend-910b", 8, 0),
                                       Node("c", "x86_64", "nvidia-h20", 4, 0)};
  nodes[1].mutable_node()->mutable_devices(3)->set_health(v1::UNHEALTHY);
  std::vector<v1::JobStatus> jobs = {
      Job("j1", "t1", "a", {0, 1}, 1000, v1::TASK_RUNNING),
      Job("j2", "t2", "a", {2}, 250, v1::TASK_BOUND),
      Job("j3", "t2", "a", {3}, 1000, v1::TASK_EXITED),  // finished: holds nothing
      Job("j4", "t1", "", {}, 1000, v1::TASK_PENDING)};
  std::vector<PoolRow> pool = SummarizePool(catalog, nodes, jobs);
  ASSERT_EQ(pool.size(), 2u);
  // Sorted by vendor: ascend before nvidia.
  EXPECT_EQ(pool[0].vendor, "ascend");
  EXPECT_EQ(pool[0].model, "ascend-910b");
  EXPECT_EQ(pool[0].arch, "aarch64");
  EXPECT_EQ(pool[0].devices, 8);
  EXPECT_EQ(pool[0].capacity_milli, 8000);
  EXPECT_EQ(pool[0].unhealthy_milli, 1000);
  EXPECT_EQ(pool[0].allocated_milli, 0);
  const int64_t f910b = catalog.Find("ascend-910b")->training_factor_milli;
  EXPECT_EQ(pool[0].capacity_h20e_milli, 8 * f910b);
  EXPECT_EQ(pool[0].unhealthy_h20e_milli, f910b);
  EXPECT_EQ(pool[1].model, "nvidia-h20");
  EXPECT_EQ(pool[1].arch, "x86_64");
  EXPECT_EQ(pool[1].devices, 12);
  EXPECT_EQ(pool[1].capacity_milli, 12000);
  EXPECT_EQ(pool[1].allocated_milli, 2250);
  // H20 is the reference card: its H20e equal its milli-devices.
  EXPECT_EQ(pool[1].allocated_h20e_milli, 2250);

  std::vector<TenantRow> tenants = SummarizeTenants(catalog, nodes, jobs);
  ASSERT_EQ(tenants.size(), 2u);
  EXPECT_EQ(tenants[0].tenant, "t1");
  EXPECT_EQ(tenants[0].allocated_milli, 2000);
  EXPECT_EQ(tenants[1].tenant, "t2");
  EXPECT_EQ(tenants[1].allocated_milli, 250);
}

TEST(ClusterFamiliesTest, RendersPoolNodePendingAndQueueGauges) {
  const Catalog& catalog = testing::TestCatalog();
  ClusterSnapshot s;
  s.nodes = {Node("gpu-1", "x86_64", "nvidia-h20", 8, 2000)};
  s.jobs = {Job("j1", "t1", "gpu-1", {0, 1}, 1000, v1::TASK_RUNNING),
            Job("j2", "t1", "", {}, 1000, v1::TASK_PENDING),
            Job("j3", "t1", "", {}, 1000, v1::TASK_PENDING)};
  s.pending = {{.job_id = "j2", .reason = "INSUFFICIENT_DEVICES", .queue = "unschedulable"},
               {.job_id = "j3", .reason = "NOT_ATTEMPTED", .queue = "active"}};
  DaemonMetrics m("default");
  const std::string text = m.Render(ClusterFamilies(catalog, s));
  for (const char* want : {
           "# TYPE manychip_devices_allocated_milli gauge",
           "manychip_devices_allocated_milli{vendor=\"nvidia\",model=\"nvidia-h20\",arch=\"x86_"
           "64\"}"
           " 2000",
           "manychip_devices_capacity_milli{vendor=\"nvidia\",model=\"nvidia-h20\",arch=\"x86_64\"}"
           " 8000",
           "manychip_h20e_allocated_milli{vendor=\"nvidia\",model=\"nvidia-h20\",arch=\"x86_64\"} "
           "2000",
           "manychip_node_allocated_milli_devices{node=\"gpu-1\"} 2000",
           "manychip_node_ready{node=\"gpu-1\"} 1",
           "manychip_tenant_allocated_milli_devices{tenant=\"t1\"} 2000",
           "manychip_jobs{phase=\"PENDING\"} 2",
           "manychip_jobs{phase=\"CANCELLED\"} 0",
           "manychip_pending_jobs{reason=\"INSUFFICIENT_DEVICES\"} 1",
           "manychip_pending_jobs{reason=\"NOT_ATTEMPTED\"} 1",
           "scheduler_pending_pods{queue=\"active\"} 1",
           "scheduler_pending_pods{queue=\"unschedulable\"} 1",
       }) {
    EXPECT_TRUE(absl::StrContains(text, want)) << "missing: " << want << "\n" << text;
  }
}

TEST(ClusterFamiliesTest, RendersEachTenantsQuotaUsedAndLimitPerResource) {
  const Catalog& catalog = testing::TestCatalog();
  ClusterSnapshot s;
  s.nodes = {Node("gpu-1", "x86_64", "nvidia-h20", 8, 3000)};
  v1::JobStatus j1 = Job("j1", "t1", "gpu-1", {0, 1}, 1000, v1::TASK_RUNNING);
  j1.mutable_job()->mutable_task_groups(0)->mutable_flavors(0)->mutable_demand()->set_cpu_milli(
      4000);
  s.jobs = {j1, Job("j2", "t1", "gpu-1", {2}, 1000, v1::TASK_EXITED),  // holds nothing
            Job("j3", "t2", "gpu-1", {3}, 1000, v1::TASK_RUNNING)};
  s.quotas = {{.tenant = "t1",
               .guaranteed = {{"devices", 1000}},
               .max = {{"devices", 4000}, {"cpu", 16000}, {"device:nvidia-h20", 3000}},
               .weight = 1},
              {.tenant = "t3", .guaranteed = {}, .max = {{"h20e", 5000}}, .weight = 1}};
  DaemonMetrics m("default");
  const std::string text = m.Render(ClusterFamilies(catalog, s));
  for (const char* want : {
           "# TYPE manychip_tenant_quota_used gauge",
           "manychip_tenant_quota_used{tenant=\"t1\",resource=\"devices\"} 2000",
           "manychip_tenant_quota_used{tenant=\"t1\",resource=\"cpu\"} 4000",
           "manychip_tenant_quota_used{tenant=\"t1\",resource=\"device:nvidia-h20\"} 2000",
           "manychip_tenant_quota_max{tenant=\"t1\",resource=\"devices\"} 4000",
           "manychip_tenant_quota_max{tenant=\"t1\",resource=\"cpu\"} 16000",
           "manychip_tenant_quota_guaranteed{tenant=\"t1\",resource=\"devices\"} 1000",
           // A tenant with a quota and nothing running uses 0.
           "manychip_tenant_quota_used{tenant=\"t3\",resource=\"h20e\"} 0",
           "manychip_tenant_quota_max{tenant=\"t3\",resource=\"h20e\"} 5000",
       }) {
    EXPECT_TRUE(absl::StrContains(text, want)) << "missing: " << want << "\n" << text;
  }
  // t2 has no quota: no quota series for it.
  EXPECT_FALSE(absl::StrContains(text, "manychip_tenant_quota_used{tenant=\"t2\"")) << text;
}

}  // namespace
}  // namespace manychip::metrics
