#include "src/service/grpc_status.h"

#include <string>

#include "absl/strings/match.h"
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

TEST(GrpcStatusTest, ALongMessageIsCutBelowTheClientsMetadataLimit) {
  const grpc::Status g = ToGrpcStatus(absl::NotFoundError(std::string(100 << 10, 'x')));
  EXPECT_EQ(g.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_LT(g.error_message().size(), kMaxErrorMessageBytes + 32);
  EXPECT_TRUE(absl::EndsWith(g.error_message(), "...(102400 bytes)")) << g.error_message();
  const std::string short_message(kMaxErrorMessageBytes, 'y');
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError(short_message)).error_message(), short_message);
}

}  // namespace
}  // namespace manychip::internal
