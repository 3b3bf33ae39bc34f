#include "tests/testing/job_builder.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace manychip::testing {

JobBuilder::JobBuilder(const Catalog& catalog, std::string id) : catalog_(&catalog) {
  job_.id = std::move(id);
  job_.tenant = "default";
}

JobBuilder& JobBuilder::Tenant(std::string t) {
  job_.tenant = std::move(t);
  return *this;
}
JobBuilder& JobBuilder::Priority(int32_t p) {
  job_.priority = p;
  return *this;
}
JobBuilder& JobBuilder::Kind(JobKind k) {
  job_.kind = k;
  return *this;
}
JobBuilder& JobBuilder::Preemptible(bool p) {
  job_.preemptible = p;
  return *this;
}
JobBuilder& JobBuilder::Duration(absl::Duration d) {
  job_.duration = d;
  return *this;
}
JobBuilder& JobBuilder::AcceptArch(Arch a) {
  job_.accepted_arches.push_back(a);
  return *this;
}
JobBuilder& JobBuilder::Tolerate(std::string key, std::string value) {
  job_.tolerations.push_back(TolerationSpec{std::move(key), std::move(value)});
  return *this;
}

JobBuilder& JobBuilder::Group(std::string name) {
  TaskGroupSpec g;
  g.name = std::move(name);
  job_.task_groups.push_back(std::move(g));
  return *this;
}

TaskGroupSpec& JobBuilder::group() {
  if (job_.task_groups.empty()) Group("main");
  return job_.task_groups.back();
}

FlavorSpec& JobBuilder::flavor() {
  if (group().flavors.empty()) Flavor("default", {});
  return group().flavors.back();
}

JobBuilder& JobBuilder::MinAvailable(int32_t n) {
  group().min_available = n;
  return *this;
}
JobBuilder& JobBuilder::Topology(TopologyMode mode, int32_t tier, bool same_node) {
  group().topology = TopologyWishSpec{mode, tier, same_node};
  return *this;
}

JobBuilder& JobBuilder::Flavor(std::string name, std::initializer_list<const char*> models) {
  FlavorSpec f;
  f.name = std::move(name);
  f.demand.cpu = MilliCpu::FromRaw(1000);
  f.demand.memory = MiB::FromRaw(1024);
  for (const char* m : models) {
    const DeviceModelSpec* spec = catalog_->Find(m);
    if (spec == nullptr) {
      std::fprintf(stderr, "JobBuilder: unknown model %s\n", m);
      std::abort();
    }
    f.device_models.push_back(spec->index);
  }
  std::sort(f.device_models.begin(), f.device_models.end());
  group().flavors.push_back(std::move(f));
  return *this;
}

JobBuilder& JobBuilder::Cards(int32_t n) {
  flavor().demand.devices = MilliDevices::FromRaw(int64_t{n} * kMilliPerDevice);
  return *this;
}
JobBuilder& JobBuilder::Share(int64_t milli) {
  flavor().demand.devices = MilliDevices::FromRaw(milli);
  return *this;
}
JobBuilder& JobBuilder::DeviceMemory(int64_t mib) {
  flavor().demand.device_memory = MiB::FromRaw(mib);
  return *this;
}
JobBuilder& JobBuilder::Cpu(int64_t milli) {
  flavor().demand.cpu = MilliCpu::FromRaw(milli);
  return *this;
}
JobBuilder& JobBuilder::Memory(int64_t mib) {
  flavor().demand.memory = MiB::FromRaw(mib);
  return *this;
}
JobBuilder& JobBuilder::Replicas(int32_t n) {
  flavor().replicas = n;
  return *this;
}
JobBuilder& JobBuilder::Image(Arch arch, std::string vendor) {
  flavor().images.push_back(ImageSpec{arch, std::move(vendor), "img"});
  return *this;
}
JobBuilder& JobBuilder::Stack(std::string name, std::string min_version) {
  flavor().required_stacks.push_back(StackRequirementSpec{std::move(name), std::move(min_version)});
  return *this;
}
JobBuilder& JobBuilder::Throughput(int64_t t) {
  flavor().expected_throughput = t;
  return *this;
}

}  // namespace manychip::testing
