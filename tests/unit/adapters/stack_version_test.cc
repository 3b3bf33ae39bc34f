#include "adapters/common/stack_version.h"

#include "adapters/device/ascend/ascend_adapter.h"
#include "adapters/device/nvidia/nvidia_adapter.h"
#include "gtest/gtest.h"

namespace manychip {
namespace {

int Cmp(absl::StatusOr<int> r) {
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : 99;
}

TEST(StackVersionTest, DottedComparesNumerically) {
  EXPECT_LT(Cmp(stack::CompareDottedVersions("535.54", "535.104.05")), 0);
  EXPECT_LT(Cmp(stack::CompareDottedVersions("12.4", "12.10")), 0);
  EXPECT_EQ(Cmp(stack::CompareDottedVersions("12.4", "12.4.0")), 0);
  EXPECT_GT(Cmp(stack::CompareDottedVersions("5.0.21.26", "5.0.21.16")), 0);
  EXPECT_EQ(Cmp(stack::CompareDottedVersions("v3.3.5-server", "3.3.5")), 0);
  EXPECT_FALSE(stack::CompareDottedVersions("12.x", "12.4").ok());
  EXPECT_FALSE(stack::CompareDottedVersions("", "1").ok());
  EXPECT_FALSE(stack::CompareDottedVersions("1..2", "1").ok());
}

TEST(StackVersionTest, AscendReleaseCandidatesComeBeforeReleases) {
  const std::vector<std::string> ordered = {"7.0.RC1.alpha003", "7.0.RC1", "7.0.0",    "8.0.RC1",
                                            "8.0.rc2",          "8.0.0",   "8.0.1",    "8.0.1.2",
                                            "8.1.RC1",          "8.5.0",   "23.0.rc3", "24.1.0"};
  for (size_t i = 0; i < ordered.size(); ++i) {
    for (size_t j = 0; j < ordered.size(); ++j) {
      const int want = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(Cmp(stack::CompareAscendVersions(ordered[i], ordered[j])), want)
          << ordered[i] << " vs " << ordered[j];
    }
  }
  for (const char* bad : {"8", "8.0.RCx", "8.0.R2", "x.0.0", "8.0.0.gamma1", "8.0.0.1.2"}) {
    auto r = stack::CompareAscendVersions(bad, "8.0.0");
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status();
  }
}

TEST(StackVersionTest, CheckStackNamesTheReason) {
  NodeSpec node;
  node.name = "n1";
  node.software = {{"cann", "8.0.RC2"}, {"nvidia-driver", "550.54.15"}};
  AscendDeviceAdapter ascend;
  EXPECT_TRUE(ascend.CheckStack(node, "cann", "8.0.RC1").ok());
  absl::Status s = ascend.CheckStack(node, "cann", "8.0.0");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("8.0.RC2"), std::string::npos) << s;
  EXPECT_EQ(ascend.CheckStack(node, "cann", "eight").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ascend.CheckStack(node, "ascend-driver", "23.0.0").code(),
            absl::StatusCode::kFailedPrecondition);

  NvidiaDeviceAdapter nvidia;
  EXPECT_TRUE(nvidia.CheckStack(node, "cuda", "12.4").ok());
  EXPECT_TRUE(nvidia.CheckStack(node, "cuda", "11.8").ok());
  s = nvidia.CheckStack(node, "cuda", "13.0");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("580"), std::string::npos) << s;
  EXPECT_EQ(nvidia.CheckStack(node, "cuda", "14.0").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(nvidia.CheckStack(node, "cuda", "abc").code(), absl::StatusCode::kInvalidArgument);
  node.software["nvidia-driver"] = "525.60.13";
  EXPECT_TRUE(nvidia.CheckStack(node, "cuda", "12.0").ok());
  node.software["nvidia-driver"] = "520.61.05";
  EXPECT_FALSE(nvidia.CheckStack(node, "cuda", "12.0").ok());
  node.software.erase("nvidia-driver");
  EXPECT_EQ(nvidia.CheckStack(node, "cuda", "12.0").code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace manychip
