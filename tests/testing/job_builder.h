#pragma once

// Test builder for jobs:
//
//   JobSpec job = testing::JobBuilder(*catalog, "train-1").Tenant("a").Priority(5)
//       .Group("workers").Flavor("h20", {"nvidia-h20"}).Cards(8).Replicas(4)
//       .Flavor("910b", {"ascend-910b"}).Cards(8).Replicas(8)
//       .Build();
//
// A flavor defaults to 1 replica, 1 core, 1 GiB and no devices; Cards(n)
// asks n whole cards per task, Share(milli) a fraction of one card. Setters
// after Flavor() apply to that flavor; Topology/MinAvailable to the group.
// Unknown model names abort (a test bug).
//
// Thread-safety: plain value.

#include <initializer_list>
#include <string>
#include <vector>

#include "manychip/core/catalog.h"
#include "manychip/core/job.h"

namespace manychip::testing {

class JobBuilder {
 public:
  JobBuilder(const Catalog& catalog, std::string id);

  JobBuilder& Tenant(std::string tenant);
  JobBuilder& Priority(int32_t priority);
  JobBuilder& Kind(JobKind kind);
  JobBuilder& Preemptible(bool preemptible = true);
  JobBuilder& Duration(absl::Duration d);
  JobBuilder& AcceptArch(Arch arch);
  JobBuilder& Tolerate(std::string key, std::string value = "");

  JobBuilder& Group(std::string name);
  JobBuilder& MinAvailable(int32_t n);
  JobBuilder& Topology(TopologyMode mode, int32_t tier, bool same_node = false);

  JobBuilder& Flavor(std::string name, std::initializer_list<const char*> models);
  JobBuilder& Cards(int32_t n);
  JobBuilder& Share(int64_t milli);
  JobBuilder& DeviceMemory(int64_t mib);
  JobBuilder& Cpu(int64_t milli);
  JobBuilder& Memory(int64_t mib);
  JobBuilder& Replicas(int32_t n);
  JobBuilder& Image(Arch arch, std::string vendor = "");
  JobBuilder& Stack(std::string name, std::string min_version);
  JobBuilder& Throughput(int64_t t);

  JobSpec Build() const { return job_; }

 private:
  TaskGroupSpec& group();
  FlavorSpec& flavor();
  const Catalog* catalog_;
  JobSpec job_;
};

}  // namespace manychip::testing
