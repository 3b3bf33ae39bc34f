#pragma once

// EtcdClient: blocking calls to etcd's v3 KV service over gRPC, with one
// channel per member. A call that finds its member unreachable moves on to
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

  // "a:1,b:2", for messages.
  const std::string& endpoints_text() const { return endpoints_text_; }

 private:
  template <class Req, class Resp, class Method>
  absl::StatusOr<Resp> Call(const char* what, const Req& req, Method method) const;

  std::vector<std::string> endpoints_;
  std::string endpoints_text_;
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> stubs_;
  absl::Duration timeout_;
  mutable std::atomic<size_t> current_{0};
};

}  // namespace manychip::internal
