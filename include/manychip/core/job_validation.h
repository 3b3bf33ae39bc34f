#pragma once

// Validation of a JobSpec before it enters the queue. Errors are
// InvalidArgument naming the field path and the reason, e.g.
// `job.task_groups[1].flavors[0].demand.devices: a whole-card demand must be a
// multiple of 1000, got 1500`. Also resolves defaults that core code relies
// on: min_available 0 -> the flavor's replicas (the largest over flavors when
// they differ, capped per flavor at placement), sorted device_models.
//
// Thread-safety: pure function.
//
//   MC_RETURN_IF_ERROR(ValidateJob(catalog, job));

#include "absl/status/status.h"
#include "manychip/core/catalog.h"
#include "manychip/core/job.h"

namespace manychip {

absl::Status ValidateJob(const Catalog& catalog, JobSpec& job);

}  // namespace manychip
