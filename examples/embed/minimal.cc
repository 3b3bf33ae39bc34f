// The smallest control plane that embeds manychip: load the device catalog,
// describe one node, submit one job, run a scheduling cycle, print the result.
//
//   minimal /usr/local/share/manychip/catalog/devices.json

#include <cstdio>
#include <memory>

#include "manychip/clock.h"
#include "manychip/codec/model.h"
#include "manychip/core/scheduler.h"

int main(int argc, char** argv) {
  using namespace manychip;
  if (argc != 2) {
    std::fprintf(stderr, "usage: minimal CATALOG.json\n");
    return 2;
  }
  auto catalog = codec::LoadCatalogFile(argv[1]);
  if (!catalog.ok()) {
    std::fprintf(stderr, "%s\n", std::string(catalog.status().message()).c_str());
    return 1;
  }
  auto shared_catalog = std::make_shared<const Catalog>(*std::move(catalog));

  RealClock clock;
  SchedulerOptions options;
  options.catalog = shared_catalog;
  options.clock = &clock;
  auto scheduler = Scheduler::Create(std::move(options));
  if (!scheduler.ok()) {
    std::fprintf(stderr, "%s\n", std::string(scheduler.status().message()).c_str());
    return 1;
  }

  const DeviceModelSpec* h20 = shared_catalog->Find("nvidia-h20");
  if (h20 == nullptr) return 1;
  NodeSpec node;
  node.name = "gpu-0";
  node.arch = Arch::kX86_64;
  node.cpu = MilliCpu::FromRaw(64000);
  node.memory = MiB::FromRaw(512 * 1024);
  for (int i = 0; i < 8; ++i) {
    DeviceSpec d;
    d.index = i;
    d.model = h20->index;
    d.memory = h20->memory;
    node.devices.push_back(d);
  }
  if (auto s = (*scheduler)->AddNode(node); !s.ok()) return 1;

  JobSpec job;
  job.id = "train-1";
  job.tenant = "team-a";
  TaskGroupSpec group;
  group.name = "workers";
  FlavorSpec flavor;
  flavor.name = "h20x4";
  flavor.device_models = {h20->index};
  flavor.demand.devices = MilliDevices::FromRaw(4000);
  flavor.demand.cpu = MilliCpu::FromRaw(8000);
  flavor.demand.memory = MiB::FromRaw(65536);
  flavor.replicas = 2;
  group.flavors.push_back(flavor);
  group.min_available = 2;
  job.task_groups.push_back(group);
  if (auto s = (*scheduler)->Submit(job); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }

  CycleResult result = (*scheduler)->RunCycle();
  for (const Binding& b : result.placed) {
    std::printf("placed %s/%d/%d on %s devices", b.task.job_id.c_str(), b.task.group, b.task.task,
                b.node.c_str());
    for (int32_t d : b.devices) std::printf(" %d", d);
    std::printf("\n");
  }
  return result.placed.size() == 2 ? 0 : 1;
}
