#include "src/core/job_table.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace manychip::internal {

void CountPlacement(JobRecord& j, int32_t g, int32_t t, int32_t attempt) {
  std::vector<int32_t>& v = j.task_attempts[g];
  if (v.size() <= static_cast<size_t>(t)) v.resize(t + 1, 0);
  v[t] = attempt > 0 ? attempt : v[t] + 1;
}

int32_t Placements(const JobRecord& j, int32_t g, int32_t t) {
  const std::vector<int32_t>& v = j.task_attempts[g];
  return static_cast<size_t>(t) < v.size() ? v[t] : 0;
}

absl::StatusOr<JobRecord*> JobTable::Add(JobSpec spec, absl::Time now) {
  if (jobs_.contains(spec.id)) {
    return absl::AlreadyExistsError(absl::StrCat("job '", spec.id, "' already exists"));
  }
  auto rec = std::make_unique<JobRecord>();
  rec->spec = std::move(spec);
  rec->sequence = next_sequence_++;
  rec->submitted = now;
  size_t groups = rec->spec.task_groups.size();
  rec->chosen_flavor.assign(groups, -1);
  rec->allocs.resize(groups);
  rec->finished.resize(groups);
  rec->task_attempts.resize(groups);
  JobRecord* raw = rec.get();
  jobs_[raw->spec.id] = std::move(rec);
  by_sequence_[raw->sequence] = raw;
  pending_[raw->sequence] = raw;
  return raw;
}

JobRecord* JobTable::Find(absl::string_view id) {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : it->second.get();
}

const JobRecord* JobTable::Find(absl::string_view id) const {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : it->second.get();
}

void JobTable::SetState(JobRecord& j, JobState state) {
  j.state = state;
  if (state == JobState::kRunning) {
    running_[j.sequence] = &j;
  } else {
    running_.erase(j.sequence);
    incomplete_.erase(j.sequence);
  }
}

void JobTable::TrackIncomplete(JobRecord& j) {
  bool missing = false;
  if (j.state == JobState::kRunning) {
    for (size_t g = 0; g < j.allocs.size() && !missing; ++g) {
      for (size_t t = 0; t < j.allocs[g].size() && !missing; ++t) {
        missing = j.allocs[g][t] == 0 && !j.finished[g][t];
      }
    }
  }
  if (missing) {
    incomplete_[j.sequence] = &j;
  } else {
    incomplete_.erase(j.sequence);
  }
}

}  // namespace manychip::internal
