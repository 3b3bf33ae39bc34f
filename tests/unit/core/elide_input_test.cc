#include "manychip/elide_input.h"

#include <string>

#include "gtest/gtest.h"

namespace manychip {
namespace {

TEST(ElideInputTest, ShortInputIsKeptAndLongInputIsCutWithItsSize) {
  EXPECT_EQ(ElideInput("job-000001"), "job-000001");
  EXPECT_EQ(ElideInput(std::string(64, 'a')), std::string(64, 'a'));
  EXPECT_EQ(ElideInput(std::string(100 << 10, 'a')), std::string(64, 'a') + "...(102400 bytes)");
  EXPECT_EQ(ElideInput("abcdef", 3), "abc...(6 bytes)");
}

TEST(ElideInputTest, ControlBytesAreEscaped) {
  EXPECT_EQ(ElideInput(std::string("a\0b\n", 4)), "a\\x00\\x62\\n");
}

}  // namespace
}  // namespace manychip
