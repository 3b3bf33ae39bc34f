#pragma once

// absl::Status <-> grpc::Status at the service edge. The canonical codes are
// numerically identical in both libraries; mapping them explicitly keeps that
// an audited fact instead of a cast.

#include <cstddef>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace manychip::internal {

// ToGrpcStatus cuts a longer message to this many bytes and says how long it
// was; inputs echoed in errors are cut much shorter (ElideInput in status.h).
inline constexpr size_t kMaxErrorMessageBytes = 1024;

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace manychip::internal
