#pragma once

// EtcdClient: blocking calls to etcd's v3 KV and Lease services over gRPC,
// with one channel per member. A call that finds its member unreachable moves on to
// the next member (in order, wrapping) and gives up Unavailable after trying
// each once. etcd's refusals of an oversized Txn become FailedPrecondition
// naming the limit, so callers can report them without parsing strings.
//
// Thread-safety: safe from any thread (gRPC stubs are; the current member is
// an atomic).

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace manychip::internal {

// The end of the key range holding every key that starts with `prefix`
// (etcd's "prefix plus one").
std::string PrefixEnd(const std::string& prefix);

class EtcdClient {
 public:
  EtcdClient(std::vector<std::string> endpoints, absl::Duration timeout);

  absl::StatusOr<etcdserverpb::TxnResponse> Txn(const etcdserverpb::TxnRequest& req) const;
  absl::StatusOr<etcdserverpb::RangeResponse> Range(const etcdserverpb::RangeRequest& req) const;
  absl::StatusOr<etcdserverpb::LeaseGrantResponse> LeaseGrant(
      const etcdserverpb::LeaseGrantRequest& req) const;
  absl::StatusOr<etcdserverpb::LeaseRevokeResponse> LeaseRevoke(
      const etcdserverpb::LeaseRevokeRequest& req) const;
  // One renewal on a short-lived LeaseKeepAlive stream: the lease's
  // remaining TTL in seconds, <= 0 once etcd has expired it (NotFound from
  // etcd, "requested lease not found", becomes 0 too).
  absl::StatusOr<int64_t> LeaseKeepAliveOnce(int64_t lease_id) const;

  // "a:1,b:2", for messages.
  const std::string& endpoints_text() const { return endpoints_text_; }

 private:
  template <class Req, class Resp, class Stub, class Method>
  absl::StatusOr<Resp> Call(const char* what, const Req& req,
                            const std::vector<std::unique_ptr<Stub>>& stubs, Method method) const;

  std::vector<std::string> endpoints_;
  std::string endpoints_text_;
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> stubs_;
  std::vector<std::unique_ptr<etcdserverpb::Lease::Stub>> lease_stubs_;
  absl::Duration timeout_;
  mutable std::atomic<size_t> current_{0};
};

}  // namespace manychip::internal
