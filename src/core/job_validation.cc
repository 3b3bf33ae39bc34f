#include "src/core/job_validation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace manychip {

absl::Status ValidateJob(const Catalog& catalog, JobSpec& job) {
  if (job.id.empty()) return absl::InvalidArgumentError("job.id: must not be empty");
  if (job.task_groups.empty()) {
    return absl::InvalidArgumentError("job.task_groups: must not be empty");
  }
  if (job.duration < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("job.duration: must be >= 0");
  }
  for (size_t g = 0; g < job.task_groups.size(); ++g) {
    TaskGroupSpec& group = job.task_groups[g];
    std::string gp = absl::StrCat("job.task_groups[", g, "]");
    if (group.flavors.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(gp, ".flavors: must not be empty"));
    }
    if (group.min_available < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(gp, ".min_available: must be >= 0, got ", group.min_available));
    }
    if (group.topology.tier < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(gp, ".topology.tier: must be >= 0, got ", group.topology.tier));
    }
    for (size_t f = 0; f < group.flavors.size(); ++f) {
      FlavorSpec& flavor = group.flavors[f];
      std::string fp = absl::StrCat(gp, ".flavors[", f, "]");
      if (flavor.replicas < 1 || flavor.replicas > 100000) {
        return absl::InvalidArgumentError(
            absl::StrCat(fp, ".replicas: must be in [1, 100000], got ", flavor.replicas));
      }
      if (flavor.min_available < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            fp, ".min_available: must be >= 0 (0 = the group's), got ", flavor.min_available));
      }
      if (flavor.min_available > flavor.replicas) {
        return absl::InvalidArgumentError(absl::StrCat(fp, ".min_available: ", flavor.min_available,
                                                       " exceeds ", fp, ".replicas ",
                                                       flavor.replicas));
      }
      // The group's number applies only to flavors without their own.
      if (flavor.min_available == 0 && group.min_available > flavor.replicas) {
        return absl::InvalidArgumentError(absl::StrCat(gp, ".min_available: ", group.min_available,
                                                       " exceeds ", fp, ".replicas ",
                                                       flavor.replicas));
      }
      const DemandSpec& d = flavor.demand;
      int64_t dev = d.devices.raw();
      if (dev < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(fp, ".demand.devices: must be >= 0, got ", dev));
      }
      if (dev > kMilliPerDevice && dev % kMilliPerDevice != 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            fp, ".demand.devices: a whole-card demand must be a multiple of 1000, got ", dev));
      }
      if (dev > 4096 * kMilliPerDevice) {
        return absl::InvalidArgumentError(
            absl::StrCat(fp, ".demand.devices: at most 4096 cards per task, got ", dev));
      }
      if (d.cpu.raw() < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(fp, ".demand.cpu: must be >= 0, got ", d.cpu.raw()));
      }
      if (d.memory.raw() < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(fp, ".demand.memory: must be >= 0, got ", d.memory.raw()));
      }
      if (d.device_memory.raw() < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(fp, ".demand.device_memory: must be >= 0, got ", d.device_memory.raw()));
      }
      if (dev > 0 && flavor.device_models.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(fp, ".device_models: a device demand needs at least one model"));
      }
      if (dev == 0 && d.cpu.is_zero() && d.memory.is_zero()) {
        return absl::InvalidArgumentError(
            absl::StrCat(fp, ".demand: asks for nothing (no devices, CPU or memory)"));
      }
      for (size_t m = 0; m < flavor.device_models.size(); ++m) {
        int32_t idx = flavor.device_models[m];
        if (idx < 0 || idx >= catalog.size()) {
          return absl::InvalidArgumentError(
              absl::StrCat(fp, ".device_models[", m, "]: unknown catalog index ", idx));
        }
      }
      std::sort(flavor.device_models.begin(), flavor.device_models.end());
      flavor.device_models.erase(
          std::unique(flavor.device_models.begin(), flavor.device_models.end()),
          flavor.device_models.end());
      if (flavor.expected_throughput < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            fp, ".expected_throughput: must be >= 0, got ", flavor.expected_throughput));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace manychip
