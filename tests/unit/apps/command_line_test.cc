#include "apps/common/command_line.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace manychip {
namespace {

std::vector<std::string> Normalize(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  NormalizeDashedFlags(static_cast<int>(argv.size()), argv.data());
  std::vector<std::string> out;
  for (char* a : argv) out.emplace_back(a);
  return out;
}

TEST(CommandLineTest, DashedFlagNamesBecomeUnderscored) {
  EXPECT_EQ(Normalize({"agent", "--dry-run", "--sysfs-root=/a-b/c-d", "--adapter-dir", "x-y"}),
            (std::vector<std::string>{"agent", "--dry_run", "--sysfs_root=/a-b/c-d",
                                      "--adapter_dir", "x-y"}));
}

TEST(CommandLineTest, PositionalsAndArgumentsAfterDoubleDashAreUntouched) {
  EXPECT_EQ(Normalize({"d", "-v", "job-1", "--", "--not-a-flag"}),
            (std::vector<std::string>{"d", "-v", "job-1", "--", "--not-a-flag"}));
}

}  // namespace
}  // namespace manychip
