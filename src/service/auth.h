#pragma once

// Authenticator: who a gRPC caller is, from its bearer token or its client
// certificate. Immutable after construction; safe from any thread.
//
// Rules (see server.h): no tokens configured = open mode, every client call
// is admin and any agent may name any node (plaintext is then loopback only).
// With tokens: a tenant token -> that tenant; the admin token -> admin;
// anything else -> UNAUTHENTICATED. Agents: with node tokens the token must
// belong to the node it speaks for; with mTLS the certificate identity (CN or
// SAN) must name the node; otherwise PERMISSION_DENIED.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "manychip/service/server.h"
#include "src/service/controller.h"

namespace manychip::internal {

class Authenticator {
 public:
  Authenticator(std::map<std::string, std::string> tenant_tokens,
                std::map<std::string, std::string> node_tokens, std::string admin_token, bool mtls);

  bool open() const { return tenant_tokens_.empty() && admin_token_.empty(); }
  absl::StatusOr<Caller> ClientCaller(const grpc::ServerContextBase& ctx) const;
  absl::Status CheckNode(const grpc::ServerContextBase& ctx, absl::string_view node) const;

 private:
  static std::string BearerToken(const grpc::ServerContextBase& ctx);

  const std::map<std::string, std::string> tenant_tokens_;
  const std::map<std::string, std::string> node_tokens_;
  const std::string admin_token_;
  const bool mtls_;
};

// Logs which surfaces are open (the client API without tokens, the agent
// gateway without node tokens or mTLS) and refuses, with
// FailedPrecondition naming the flags, client tokens over an open agent
// gateway unless `options.allow_open_agent_gateway`: tokens would protect
// the jobs while any process could register a node and receive them.
absl::Status CheckAuthSurfaces(const ServerOptions& options);

}  // namespace manychip::internal
