#pragma once

// Size limits a daemon puts on one job. A job is held in memory, written to
// the store and sent with every launch, so its size is the daemon's cost:
// 200k env entries took ~70 MB of RSS per job. The message limit alone does
// not bound that (4 MiB of short map entries inflate many times in memory).
// Also refuses NUL bytes where a process would see a C string (command,
// arguments, env) or an operator a name.
//
// Errors are InvalidArgument naming the field, the size and the limit, e.g.
// `job.task_groups[0].command: 3145728 bytes, limit 65536`.
//
// Thread-safety: pure function over a value type.
//
//   JobLimits limits;  // the defaults manychipd documents
//   MC_RETURN_IF_ERROR(CheckJobLimits(spec, limits));

#include <cstdint>

#include "absl/status/status.h"
#include "manychip/core/job.h"

namespace manychip {

struct JobLimits {
  // Every string of the job together: names, commands, arguments, env and
  // labels (keys and values).
  int64_t max_job_bytes = 1 << 20;
  // One command, argument, env value or label value.
  int64_t max_field_bytes = 64 << 10;
  // Entries of one list or map: a group's arguments or env, the job's labels
  // or tolerations, a job's task groups, a group's flavors.
  int64_t max_entries = 1024;
};

absl::Status CheckJobLimits(const JobSpec& job, const JobLimits& limits);

}  // namespace manychip
