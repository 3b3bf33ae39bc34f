#pragma once

// EtcdLeadership: one manychipd replica's part in the election of the
// replica that schedules, on the etcd cluster that holds the state.
//
// The leader is whoever holds the key PREFIX/leader, created only if absent
// (Txn: CREATE revision == 0) and bound to a lease of `lease` that the leader
// renews every lease/3. Its value is the leader's advertised address, so
// standbys can send clients and agents there. The key's create revision is
// the leader's fencing token: the etcd store of its term compares it in
// every write (EtcdStoreOptions::fence_key), so once the lease lapsed and
// another replica created the key anew, nothing the old leader still tries
// is written, however late it wakes up.
//
// A key already holding this replica's own address is a previous run of the
// same replica (it crashed while leading): it is deleted and created anew,
// so a restarted leader does not wait out its old lease. The new create
// revision fences the old run all the same.
//
// Thread-safety: TryAcquire/Observed/Resign from one thread; the renewal
// thread started by KeepAlive calls `lost` on itself; Confirmed() from any.
//
//   EtcdLeadership::Options o{.endpoints = {"127.0.0.1:2379"},
//                             .key = "/manychip/leader", .value = "10.0.0.5:7070"};
//   MC_ASSIGN_OR_RETURN(auto election, EtcdLeadership::Create(o));
//   MC_ASSIGN_OR_RETURN(int64_t token, election->TryAcquire());   // 0: someone else leads
//   if (token > 0) election->KeepAlive([](absl::Status why) { /* step down */ });

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace manychip {
namespace internal {
class EtcdClient;
}  // namespace internal

class EtcdLeadership {
 public:
  struct Options {
    std::vector<std::string> endpoints;        // "host:port" of each etcd member
    std::string key;                           // PREFIX/leader
    std::string value;                         // this replica's advertised address
    absl::Duration lease = absl::Seconds(10);  // whole seconds, >= 1 s
  };

  // Checks the options (InvalidArgument naming the field); no I/O.
  static absl::StatusOr<std::unique_ptr<EtcdLeadership>> Create(Options options);
  ~EtcdLeadership();
  EtcdLeadership(const EtcdLeadership&) = delete;
  EtcdLeadership& operator=(const EtcdLeadership&) = delete;

  // One round of the campaign: the fencing token (> 0) when this replica
  // now leads, 0 when another does (Observed() names it) or the key was
  // taken in a race. Unavailable when etcd does not answer.
  absl::StatusOr<int64_t> TryAcquire();

  // The leader's address as last read ("" when no replica leads).
  std::string Observed() const;

  // Leader only: renews the lease every lease/3 on its own thread until the
  // lease is gone (etcd answers TTL 0: it expired, e.g. after a pause longer
  // than the lease), then calls `lost` once from that thread. A renewal etcd
  // does not answer (no quorum) is retried; it does not by itself depose.
  void KeepAlive(std::function<void(const absl::Status&)> lost);

  // False once renewals have failed for lease/3 or longer: etcd cannot
  // currently confirm this leadership (e.g. it lost quorum), so the leader
  // stops scheduling and refuses submits until a renewal succeeds again.
  bool Confirmed() const;

  // Stops renewing and revokes the lease (clean shutdown), so a standby
  // takes over without waiting for the lease to run out.
  void Resign();

  int64_t token() const { return token_; }
  const Options& options() const { return o_; }

 private:
  explicit EtcdLeadership(Options o);
  void RenewLoop(std::function<void(const absl::Status&)> lost);

  const Options o_;
  std::unique_ptr<internal::EtcdClient> client_;
  int64_t lease_id_ = 0;
  int64_t token_ = 0;

  mutable absl::Mutex mu_;
  std::string observed_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // When renewals started failing; InfiniteFuture while they succeed.
  absl::Time failing_since_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::thread renewer_;
};

}  // namespace manychip
