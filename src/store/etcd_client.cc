// EtcdClient: per-member channels, failover on UNAVAILABLE, error mapping.

#include "src/store/etcd_client.h"

#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace manychip::internal {

std::string PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

EtcdClient::EtcdClient(std::vector<std::string> endpoints, absl::Duration timeout)
    : endpoints_(std::move(endpoints)),
      endpoints_text_(absl::StrJoin(endpoints_, ",")),
      timeout_(timeout) {
  for (const std::string& ep : endpoints_) {
    grpc::ChannelArguments args;
    // A Load of a large state is paged, but one page of big records may
    // still pass gRPC's 4 MiB default.
    args.SetMaxReceiveMessageSize(-1);
    // Reconnect quickly after a member restarts instead of backing off to
    // gRPC's 2 min default.
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    auto channel = grpc::CreateCustomChannel(ep, grpc::InsecureChannelCredentials(), args);
    stubs_.push_back(etcdserverpb::KV::NewStub(channel));
    lease_stubs_.push_back(etcdserverpb::Lease::NewStub(channel));
  }
}

namespace {

// Maps a refusal or transport error to the store's codes, naming the cause.
absl::Status MapError(const grpc::Status& s, const char* what, const std::string& endpoint,
                      absl::Duration timeout) {
  const std::string& msg = s.error_message();
  const std::string where = absl::StrCat("etcd ", endpoint, ": ", what, ": ");
  if (absl::StrContains(msg, "too many operations in txn request")) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, "etcd refused the Txn as having too many operations (", msg,
        "); its --max-txn-ops is below the store's max_txn_ops; nothing of the write was applied"));
  }
  if (absl::StrContains(msg, "database space exceeded")) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, "etcd is out of space (", msg,
        "); compact and defragment it or raise its --quota-backend-bytes, then disarm the alarm"));
  }
  if (absl::StrContains(msg, "request is too large") || absl::StrContains(msg, "larger than max")) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, "etcd refused the Txn as too large (", msg,
        "); its --max-request-bytes is below the store's max_request_bytes; nothing of the write "
        "was applied"));
  }
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return absl::UnavailableError(absl::StrCat(where, "unreachable: ", msg));
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::UnavailableError(
          absl::StrCat(where, "no answer within ", absl::FormatDuration(timeout)));
    case grpc::StatusCode::OUT_OF_RANGE:
      return absl::OutOfRangeError(absl::StrCat(where, msg));  // e.g. a compacted revision
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
      // Retrying will not help: etcd's setup (auth, version) refuses us.
      return absl::FailedPreconditionError(
          absl::StrCat(where, "refused (gRPC code ", static_cast<int>(s.error_code()), "): ", msg));
    default:
      return absl::UnavailableError(
          absl::StrCat(where, "error ", static_cast<int>(s.error_code()), ": ", msg));
  }
}

bool TryNextMember(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAVAILABLE ||
         s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

}  // namespace

template <class Req, class Resp, class Stub, class Method>
absl::StatusOr<Resp> EtcdClient::Call(const char* what, const Req& req,
                                      const std::vector<std::unique_ptr<Stub>>& stubs,
                                      Method method) const {
  const size_t n = stubs.size();
  if (n == 0) return absl::FailedPreconditionError("etcd: no endpoints");
  absl::Status last;
  size_t i = current_.load();
  for (size_t tried = 0; tried < n; ++tried, i = (i + 1) % n) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
    Resp resp;
    const grpc::Status s = ((*stubs[i]).*method)(&ctx, req, &resp);
    if (s.ok()) {
      current_.store(i);
      return resp;
    }
    last = MapError(s, what, endpoints_[i], timeout_);
    if (!TryNextMember(s)) return last;
  }
  if (n > 1) {
    return absl::UnavailableError(
        absl::StrCat("etcd ", endpoints_text_, ": no member answered; last: ", last.message()));
  }
  return last;
}

absl::StatusOr<etcdserverpb::TxnResponse> EtcdClient::Txn(
    const etcdserverpb::TxnRequest& req) const {
  return Call<etcdserverpb::TxnRequest, etcdserverpb::TxnResponse>("txn", req, stubs_,
                                                                   &etcdserverpb::KV::Stub::Txn);
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdClient::Range(
    const etcdserverpb::RangeRequest& req) const {
  return Call<etcdserverpb::RangeRequest, etcdserverpb::RangeResponse>(
      "range", req, stubs_, &etcdserverpb::KV::Stub::Range);
}

absl::StatusOr<etcdserverpb::LeaseGrantResponse> EtcdClient::LeaseGrant(
    const etcdserverpb::LeaseGrantRequest& req) const {
  return Call<etcdserverpb::LeaseGrantRequest, etcdserverpb::LeaseGrantResponse>(
      "lease grant", req, lease_stubs_, &etcdserverpb::Lease::Stub::LeaseGrant);
}

absl::StatusOr<etcdserverpb::LeaseRevokeResponse> EtcdClient::LeaseRevoke(
    const etcdserverpb::LeaseRevokeRequest& req) const {
  return Call<etcdserverpb::LeaseRevokeRequest, etcdserverpb::LeaseRevokeResponse>(
      "lease revoke", req, lease_stubs_, &etcdserverpb::Lease::Stub::LeaseRevoke);
}

absl::StatusOr<int64_t> EtcdClient::LeaseKeepAliveOnce(int64_t lease_id) const {
  const size_t n = lease_stubs_.size();
  if (n == 0) return absl::FailedPreconditionError("etcd: no endpoints");
  absl::Status last;
  size_t i = current_.load();
  for (size_t tried = 0; tried < n; ++tried, i = (i + 1) % n) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
    auto stream = lease_stubs_[i]->LeaseKeepAlive(&ctx);
    etcdserverpb::LeaseKeepAliveRequest req;
    req.set_id(lease_id);
    etcdserverpb::LeaseKeepAliveResponse resp;
    const bool answered = stream->Write(req) && stream->Read(&resp);
    if (answered) {
      ctx.TryCancel();  // one renewal per stream; the answer is what counts
      (void)stream->Finish();
      current_.store(i);
      return resp.ttl();
    }
    stream->WritesDone();
    const grpc::Status s = stream->Finish();
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) return 0;  // lease not found: expired
    last = MapError(s, "lease keepalive", endpoints_[i], timeout_);
    if (!TryNextMember(s)) return last;
  }
  if (n > 1) {
    return absl::UnavailableError(
        absl::StrCat("etcd ", endpoints_text_, ": no member answered; last: ", last.message()));
  }
  return last;
}

}  // namespace manychip::internal
