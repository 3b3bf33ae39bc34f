#include "manychip/core/job_limits.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace manychip {
namespace {

JobSpec ShellJob() {
  JobSpec job;
  job.id = "job-000001";
  job.name = "train";
  job.tenant = "team-a";
  TaskGroupSpec g;
  g.name = "main";
  FlavorSpec flavor;
  flavor.name = "default";
  g.flavors.push_back(flavor);
  g.command = "/bin/sh";
  g.args = {"-c", "true"};
  g.env = {{"HOME", "/tmp"}};
  job.task_groups.push_back(g);
  job.labels = {{"team", "a"}};
  return job;
}

void ExpectRefused(const JobSpec& job, const JobLimits& limits, const std::string& message) {
  const absl::Status s = CheckJobLimits(job, limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), message)) << s;
  EXPECT_LT(s.message().size(), 512u) << "the error must not echo the input";
}

TEST(JobLimitsTest, AnOrdinaryJobPasses) {
  EXPECT_TRUE(CheckJobLimits(ShellJob(), JobLimits()).ok());
}

TEST(JobLimitsTest, AHugeCommandNamesTheFieldAndTheLimit) {
  JobSpec job = ShellJob();
  job.task_groups[0].command = std::string(3 << 20, 'x');
  ExpectRefused(job, JobLimits(), "job.task_groups[0].command: 3145728 bytes, limit 65536");
}

TEST(JobLimitsTest, TooManyEntriesAreCountedBeforeTheyAreRead) {
  JobSpec args = ShellJob();
  args.task_groups[0].args.assign(300000, "a");
  ExpectRefused(args, JobLimits(), "job.task_groups[0].args: 300000 entries, limit 1024");

  JobSpec env = ShellJob();
  for (int i = 0; i < 2000; ++i) env.task_groups[0].env[absl::StrCat("K", i)] = "v";
  ExpectRefused(env, JobLimits(), "job.task_groups[0].env: 2001 entries, limit 1024");

  JobSpec labels = ShellJob();
  for (int i = 0; i < 2000; ++i) labels.labels[absl::StrCat("k", i)] = "v";
  ExpectRefused(labels, JobLimits(), "job.labels: 2001 entries, limit 1024");
}

TEST(JobLimitsTest, ManyFieldsUnderTheirOwnLimitStillHitTheTotal) {
  JobSpec job = ShellJob();
  job.task_groups[0].args.assign(1000, std::string(2000, 'a'));  // 2 MB in all
  ExpectRefused(job, JobLimits(), "job: ");
  ExpectRefused(job, JobLimits(), "bytes of strings, limit 1048576");
}

TEST(JobLimitsTest, NulBytesAreRefusedWhereAProcessOrOperatorWouldSeeThem) {
  const std::string nul("a\0b", 3);
  JobSpec command = ShellJob();
  command.task_groups[0].command = nul;
  ExpectRefused(command, JobLimits(),
                "job.task_groups[0].command: contains a NUL byte at offset 1");

  JobSpec arg = ShellJob();
  arg.task_groups[0].args[1] = nul;
  ExpectRefused(arg, JobLimits(), "job.task_groups[0].args[1]: contains a NUL byte");

  JobSpec env_key = ShellJob();
  env_key.task_groups[0].env[nul] = "v";
  ExpectRefused(env_key, JobLimits(),
                "job.task_groups[0].env[\"a\\x00\\x62\"] (the name): contains a NUL");

  JobSpec name = ShellJob();
  name.name = nul;
  ExpectRefused(name, JobLimits(), "job.name: contains a NUL byte");
}

TEST(JobLimitsTest, LimitsAreTheGivenOnes) {
  JobLimits tight{.max_job_bytes = 100, .max_field_bytes = 8, .max_entries = 1};
  JobSpec job = ShellJob();
  ExpectRefused(job, tight, "job.task_groups[0].args: 2 entries, limit 1");
  job.task_groups[0].args = {"-c"};
  ExpectRefused(job, tight, "job.id: 10 bytes, limit 8");
}

}  // namespace
}  // namespace manychip
