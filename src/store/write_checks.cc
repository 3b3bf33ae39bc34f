#include "src/store/write_checks.h"

namespace manychip::internal {

absl::Status CheckRecordKeys(const StoreWrite& w) {
  for (const v1::JobStatus& j : w.put_jobs) {
    if (j.job().id().empty()) {
      return absl::InvalidArgumentError("put_jobs: job.id: must not be empty");
    }
  }
  for (const BindingRecord& b : w.put_bindings) {
    if (b.task.task_id().empty()) {
      return absl::InvalidArgumentError("put_bindings: task.task_id: must not be empty");
    }
  }
  for (const NodeRecord& n : w.put_nodes) {
    if (n.node.name().empty()) {
      return absl::InvalidArgumentError("put_nodes: node.name: must not be empty");
    }
  }
  return absl::OkStatus();
}

}  // namespace manychip::internal
