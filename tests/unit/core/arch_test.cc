#include "manychip/core/arch.h"

#include "gtest/gtest.h"

namespace manychip {
namespace {

TEST(ArchTest, AliasesNormalize) {
  EXPECT_EQ(*ParseArch("amd64"), Arch::kX86_64);
  EXPECT_EQ(*ParseArch("X86_64"), Arch::kX86_64);
  EXPECT_EQ(*ParseArch("arm64"), Arch::kAarch64);
  EXPECT_EQ(*ParseArch("linux/arm64/v8"), Arch::kAarch64);
  EXPECT_EQ(*ParseArch("riscv64"), Arch::kRiscv64);
  EXPECT_EQ(ArchName(Arch::kAarch64), "aarch64");
  EXPECT_EQ(ArchOciName(Arch::kX86_64), "amd64");
}

TEST(ArchTest, UnknownIsInvalidArgument) {
  auto r = ParseArch("sparc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseArch("linux/arm64/v5").ok());
}

}  // namespace
}  // namespace manychip
