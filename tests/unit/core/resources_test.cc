#include "manychip/resources.h"

#include <limits>

#include "gtest/gtest.h"

namespace manychip {
namespace {

TEST(QuantityTest, CheckedAddAndSub) {
  auto a = MilliDevices::FromRaw(500);
  auto sum = CheckedAdd(a, a);
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->raw(), 1000);
  auto diff = CheckedSub(*sum, MilliDevices::FromRaw(250));
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->raw(), 750);
}

TEST(QuantityTest, NegativeResultIsAnError) {
  auto r = CheckedSub(MiB::FromRaw(10), MiB::FromRaw(11));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(QuantityTest, OverflowIsAnError) {
  auto big = MilliCpu::FromRaw(std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(CheckedAdd(big, MilliCpu::FromRaw(1)).ok());
  EXPECT_FALSE(CheckedMul(big, 2).ok());
  EXPECT_FALSE(CheckedMul(MilliCpu::FromRaw(1), -1).ok());
  EXPECT_FALSE(CheckedAdd(MilliCpu::FromRaw(-5), MilliCpu::FromRaw(1)).ok());
}

TEST(QuantityTest, Ordering) {
  EXPECT_LT(MiB::FromRaw(1), MiB::FromRaw(2));
  EXPECT_EQ(MiB::FromRaw(3), MiB::FromRaw(1) + MiB::FromRaw(2));
}

}  // namespace
}  // namespace manychip
