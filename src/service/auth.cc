#include "src/service/auth.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpcpp/security/auth_context.h"
#include "manychip/elide_input.h"
#include "spdlog/spdlog.h"

namespace manychip::internal {

Authenticator::Authenticator(std::map<std::string, std::string> tenant_tokens,
                             std::map<std::string, std::string> node_tokens,
                             std::string admin_token, bool mtls)
    : tenant_tokens_(std::move(tenant_tokens)),
      node_tokens_(std::move(node_tokens)),
      admin_token_(std::move(admin_token)),
      mtls_(mtls) {}

std::string Authenticator::BearerToken(const grpc::ServerContextBase& ctx) {
  const auto& md = ctx.client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) return "";
  absl::string_view v(it->second.data(), it->second.size());
  if (!absl::ConsumePrefix(&v, "Bearer ")) return "";
  return std::string(v);
}

absl::StatusOr<Caller> Authenticator::ClientCaller(const grpc::ServerContextBase& ctx) const {
  if (open()) return Caller{.admin = true, .tenant = ""};
  const std::string token = BearerToken(ctx);
  if (token.empty()) {
    return absl::UnauthenticatedError("missing `authorization: Bearer <token>` metadata");
  }
  // Token comparison is not constant-time; tokens are looked up in a map,
  // which leaks no more than a failed lookup does.
  if (!admin_token_.empty() && token == admin_token_) return Caller{.admin = true, .tenant = ""};
  auto it = tenant_tokens_.find(token);
  if (it == tenant_tokens_.end()) return absl::UnauthenticatedError("unknown token");
  return Caller{.admin = false, .tenant = it->second};
}

absl::Status Authenticator::CheckNode(const grpc::ServerContextBase& ctx,
                                      absl::string_view node) const {
  if (!node_tokens_.empty()) {
    const std::string token = BearerToken(ctx);
    if (token.empty()) return absl::UnauthenticatedError("missing node token");
    auto it = node_tokens_.find(token);
    if (it == node_tokens_.end()) return absl::UnauthenticatedError("unknown node token");
    if (it->second != node) {
      return absl::PermissionDeniedError(
          absl::StrCat("this token belongs to node ", ElideInput(it->second),
                       "; it may not speak for node ", ElideInput(node)));
    }
    return absl::OkStatus();
  }
  if (mtls_) {
    std::shared_ptr<const grpc::AuthContext> auth = ctx.auth_context();
    for (const grpc::string_ref& id : auth->GetPeerIdentity()) {
      if (absl::string_view(id.data(), id.size()) == node) return absl::OkStatus();
    }
    return absl::PermissionDeniedError(
        absl::StrCat("the client certificate does not name node ", ElideInput(node)));
  }
  return absl::OkStatus();
}

absl::Status CheckAuthSurfaces(const ServerOptions& o) {
  const bool client_tokens = !o.tenant_tokens.empty() || !o.admin_token.empty();
  const bool mtls = !o.tls_client_ca.empty();
  const bool gateway_closed = !o.node_tokens.empty() || mtls;
  if (client_tokens && !gateway_closed && !o.allow_open_agent_gateway) {
    return absl::FailedPreconditionError(
        "--tenant_tokens/--admin_token_file are set but the agent gateway is open: any process "
        "could register a node and receive tenants' tasks with their env; give --node_tokens or "
        "--tls_client_ca, or --allow_open_agent_gateway if that is meant");
  }
  if (client_tokens) {
    spdlog::info("client API: {} tenant token(s), admin token {}", o.tenant_tokens.size(),
                 o.admin_token.empty() ? "not set" : "set");
  } else {
    spdlog::warn("client API: open, no client tokens configured: every caller is admin");
  }
  if (!o.node_tokens.empty()) {
    spdlog::info("agent gateway: {} node token(s){}", o.node_tokens.size(),
                 mtls ? " (and mTLS)" : "");
  } else if (mtls) {
    spdlog::info("agent gateway: mTLS, a node's certificate must name it");
  } else {
    spdlog::warn("agent gateway: open, any caller may register as any node{}",
                 client_tokens ? " (--allow_open_agent_gateway)" : "");
  }
  return absl::OkStatus();
}

}  // namespace manychip::internal
