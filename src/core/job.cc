#include "manychip/core/job.h"

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

}  // namespace manychip
