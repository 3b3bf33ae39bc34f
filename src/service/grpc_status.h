#pragma once

// absl::Status <-> grpc::Status at the service edge. The canonical codes are
// numerically identical in both libraries; mapping them explicitly keeps that
// an audited fact instead of a cast.

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace manychip::internal {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace manychip::internal
