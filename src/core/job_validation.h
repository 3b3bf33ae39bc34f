#pragma once

// Validation of a JobSpec before it enters the queue. Errors are
// InvalidArgument naming the field path and the reason, e.g.
// `job.task_groups[1].flavors[0].demand.devices: a whole-card demand must be a
// multiple of 1000, got 1500`. Also resolves defaults that core code relies
// on: sorted, unique device_models. min_available stays as given (0 = all
// replicas of the chosen flavor); read it through MinAvailable() in job.h.
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
