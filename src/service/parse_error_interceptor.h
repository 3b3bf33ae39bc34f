#pragma once

// A server interceptor that gives an unparsable request a clear answer.
//
// When a request's bytes do not parse as the method's message, gRPC's
// callback server never calls the handler and answers UNIMPLEMENTED with an
// empty message (issue 14, item 9): the client cannot tell a bad request from
// a missing method. This interceptor sees the failed parse (the received
// message is null) and rewrites that answer to INVALID_ARGUMENT naming the
// message type the method expects.
//
// It covers unary and server-streaming calls, whose one request is parsed
// before the handler runs. A message on a bidi stream that does not parse
// reads as the end of the stream to the handler; the agent session then
// ends and the agent reconnects.
//
// Thread-safety: gRPC creates one interceptor per call.

#include <memory>

#include "grpcpp/support/server_interceptor.h"

namespace manychip::internal {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeParseErrorInterceptorFactory();

}  // namespace manychip::internal
