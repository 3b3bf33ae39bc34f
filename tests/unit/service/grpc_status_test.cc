#include "src/service/grpc_status.h"

#include "gtest/gtest.h"

namespace manychip::internal {
namespace {

TEST(GrpcStatusTest, EveryCanonicalCodeMapsOneToOneAndBack) {
  for (int c = 0; c <= 16; ++c) {
    const absl::Status s(static_cast<absl::StatusCode>(c), c == 0 ? "" : "why");
    const grpc::Status g = ToGrpcStatus(s);
    EXPECT_EQ(static_cast<int>(g.error_code()), c);
    if (c != 0) {
      EXPECT_EQ(g.error_message(), "why");
    }
    EXPECT_EQ(FromGrpcStatus(g), s);
  }
}

}  // namespace
}  // namespace manychip::internal
