#include "manychip/core/job_limits.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "manychip/elide_input.h"
#include "manychip/status.h"

namespace manychip {
namespace {

// Adds each string's size to a running total and checks it on its own.
class Checker {
 public:
  explicit Checker(const JobLimits& limits) : limits_(limits) {}

  absl::Status Field(absl::string_view path, absl::string_view value) {
    total_ += static_cast<int64_t>(value.size());
    if (static_cast<int64_t>(value.size()) > limits_.max_field_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", value.size(), " bytes, limit ", limits_.max_field_bytes));
    }
    if (value.find('\0') != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": contains a NUL byte at offset ", value.find('\0')));
    }
    return absl::OkStatus();
  }

  absl::Status Entries(absl::string_view path, size_t n) const {
    if (static_cast<int64_t>(n) > limits_.max_entries) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", n, " entries, limit ", limits_.max_entries));
    }
    return absl::OkStatus();
  }

  absl::Status Total() const {
    if (total_ > limits_.max_job_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("job: ", total_, " bytes of strings, limit ", limits_.max_job_bytes));
    }
    return absl::OkStatus();
  }

 private:
  const JobLimits& limits_;
  int64_t total_ = 0;
};

}  // namespace

absl::Status CheckJobLimits(const JobSpec& job, const JobLimits& limits) {
  Checker c(limits);
  // Counts first: they bound the work of the per-entry checks below.
  MC_RETURN_IF_ERROR(c.Entries("job.task_groups", job.task_groups.size()));
  MC_RETURN_IF_ERROR(c.Entries("job.labels", job.labels.size()));
  MC_RETURN_IF_ERROR(c.Entries("job.tolerations", job.tolerations.size()));
  for (size_t g = 0; g < job.task_groups.size(); ++g) {
    const TaskGroupSpec& group = job.task_groups[g];
    const std::string gp = absl::StrCat("job.task_groups[", g, "]");
    MC_RETURN_IF_ERROR(c.Entries(absl::StrCat(gp, ".flavors"), group.flavors.size()));
    MC_RETURN_IF_ERROR(c.Entries(absl::StrCat(gp, ".args"), group.args.size()));
    MC_RETURN_IF_ERROR(c.Entries(absl::StrCat(gp, ".env"), group.env.size()));
  }
  MC_RETURN_IF_ERROR(c.Field("job.id", job.id));
  MC_RETURN_IF_ERROR(c.Field("job.name", job.name));
  MC_RETURN_IF_ERROR(c.Field("job.tenant", job.tenant));
  for (const auto& [key, value] : job.labels) {
    const std::string path = absl::StrCat("job.labels[\"", ElideInput(key), "\"]");
    MC_RETURN_IF_ERROR(c.Field(absl::StrCat(path, " (the key)"), key));
    MC_RETURN_IF_ERROR(c.Field(path, value));
  }
  for (size_t t = 0; t < job.tolerations.size(); ++t) {
    MC_RETURN_IF_ERROR(
        c.Field(absl::StrCat("job.tolerations[", t, "].key"), job.tolerations[t].key));
    MC_RETURN_IF_ERROR(
        c.Field(absl::StrCat("job.tolerations[", t, "].value"), job.tolerations[t].value));
  }
  for (size_t g = 0; g < job.task_groups.size(); ++g) {
    const TaskGroupSpec& group = job.task_groups[g];
    const std::string gp = absl::StrCat("job.task_groups[", g, "]");
    MC_RETURN_IF_ERROR(c.Field(absl::StrCat(gp, ".name"), group.name));
    MC_RETURN_IF_ERROR(c.Field(absl::StrCat(gp, ".command"), group.command));
    for (size_t a = 0; a < group.args.size(); ++a) {
      MC_RETURN_IF_ERROR(c.Field(absl::StrCat(gp, ".args[", a, "]"), group.args[a]));
    }
    for (const auto& [key, value] : group.env) {
      const std::string path = absl::StrCat(gp, ".env[\"", ElideInput(key), "\"]");
      MC_RETURN_IF_ERROR(c.Field(absl::StrCat(path, " (the name)"), key));
      MC_RETURN_IF_ERROR(c.Field(path, value));
    }
    for (size_t f = 0; f < group.flavors.size(); ++f) {
      MC_RETURN_IF_ERROR(
          c.Field(absl::StrCat(gp, ".flavors[", f, "].name"), group.flavors[f].name));
    }
    // A huge job fails at the first group past the total, not after all.
    MC_RETURN_IF_ERROR(c.Total());
  }
  return c.Total();
}

}  // namespace manychip
