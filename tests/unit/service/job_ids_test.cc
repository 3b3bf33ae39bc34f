#include "src/service/job_ids.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace manychip::internal {
namespace {

bool Never(const std::string&) { return false; }

TEST(JobIdSequenceTest, EachTenantCountsItsOwnJobs) {
  JobIdSequence ids;
  EXPECT_EQ(ids.Next("", Never), "job-000001");
  EXPECT_EQ(ids.Next("team-a", Never), "team-a.job-000001");
  EXPECT_EQ(ids.Next("team-a", Never), "team-a.job-000002");
  EXPECT_EQ(ids.Next("team-b", Never), "team-b.job-000001");
  EXPECT_EQ(ids.Next("", Never), "job-000002");
}

TEST(JobIdSequenceTest, ObservedIdsAreNeverHandedOutAgain) {
  JobIdSequence ids;
  ids.Observe("job-000041");
  ids.Observe("org.team-a.job-000007");  // a tenant name with a dot
  ids.Observe("team-b.train-1");         // chosen ids do not move a counter
  ids.Observe("job-x");
  ids.Observe("job--5");
  EXPECT_EQ(ids.Next("", Never), "job-000042");
  EXPECT_EQ(ids.Next("org.team-a", Never), "org.team-a.job-000008");
  EXPECT_EQ(ids.Next("team-b", Never), "team-b.job-000001");
}

TEST(JobIdSequenceTest, SkipsIdsTakenByChoice) {
  JobIdSequence ids;
  const std::set<std::string> taken = {"team-a.job-000001", "team-a.job-000002"};
  EXPECT_EQ(ids.Next("team-a", [&](const std::string& id) { return taken.contains(id); }),
            "team-a.job-000003");
}

}  // namespace
}  // namespace manychip::internal
