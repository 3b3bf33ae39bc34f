#include "manychip/core/job.h"

#include <algorithm>

namespace manychip {

absl::string_view JobKindName(JobKind kind) {
  switch (kind) {
    case JobKind::kTraining:
      return "training";
    case JobKind::kInference:
      return "inference";
    case JobKind::kBatch:
      return "batch";
  }
  return "unknown";
}

int32_t MinAvailable(const TaskGroupSpec& group, int32_t flavor) {
  const FlavorSpec& f = group.flavors[flavor];
  int32_t n = f.min_available > 0 ? f.min_available : group.min_available;
  return n > 0 ? std::min(n, f.replicas) : f.replicas;
}

}  // namespace manychip
