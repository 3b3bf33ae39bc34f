// EtcdLeadership: campaign by create-if-absent Txn on a leased key, renew on
// a thread, report loss once.

#include "manychip/store/etcd_leadership.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "manychip/status.h"
#include "spdlog/spdlog.h"
#include "src/store/etcd_client.h"

namespace manychip {

using etcdserverpb::Compare;
using etcdserverpb::TxnRequest;
using etcdserverpb::TxnResponse;

namespace {

// Calls of the election wait at most a third of the lease (and never more
// than the store's 5 s), so a silent member cannot hold a renewal past it.
absl::Duration CallTimeout(absl::Duration lease) {
  return std::clamp(lease / 3, absl::Milliseconds(300), absl::Seconds(5));
}

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdLeadership>> EtcdLeadership::Create(Options o) {
  if (o.endpoints.empty()) {
    return absl::InvalidArgumentError("leadership: endpoints: must not be empty");
  }
  if (o.key.empty()) return absl::InvalidArgumentError("leadership: key: must not be empty");
  if (o.value.empty()) {
    return absl::InvalidArgumentError("--advertise: the leader's address must not be empty");
  }
  if (o.lease < absl::Seconds(1) || o.lease != absl::Seconds(absl::ToInt64Seconds(o.lease))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--leader_lease: must be whole seconds and >= 1s (etcd leases count seconds), got ",
        absl::FormatDuration(o.lease)));
  }
  return std::unique_ptr<EtcdLeadership>(new EtcdLeadership(std::move(o)));
}

EtcdLeadership::EtcdLeadership(Options o)
    : o_(std::move(o)),
      client_(std::make_unique<internal::EtcdClient>(o_.endpoints, CallTimeout(o_.lease))) {}

EtcdLeadership::~EtcdLeadership() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (renewer_.joinable()) renewer_.join();
}

std::string EtcdLeadership::Observed() const {
  absl::MutexLock lock(&mu_);
  return observed_;
}

absl::StatusOr<int64_t> EtcdLeadership::TryAcquire() {
  if (token_ > 0) return token_;
  etcdserverpb::RangeRequest q;
  q.set_key(o_.key);
  MC_ASSIGN_OR_RETURN(etcdserverpb::RangeResponse now, client_->Range(q));
  if (now.kvs_size() > 0) {
    const auto& kv = now.kvs(0);
    if (kv.value() != o_.value) {
      absl::MutexLock lock(&mu_);
      observed_ = kv.value();
      return 0;
    }
    // Our own address: a previous run of this replica. Delete exactly that
    // key (same create revision), then campaign as usual.
    spdlog::warn(
        "leadership: {} is held by this replica's own address {} (revision {}): a previous run; "
        "taking it over",
        o_.key, o_.value, kv.create_revision());
    TxnRequest del;
    Compare* c = del.add_compare();
    c->set_key(o_.key);
    c->set_target(Compare::CREATE);
    c->set_result(Compare::EQUAL);
    c->set_create_revision(kv.create_revision());
    del.add_success()->mutable_request_delete_range()->set_key(o_.key);
    MC_RETURN_IF_ERROR(client_->Txn(del).status());
  }
  etcdserverpb::LeaseGrantRequest g;
  g.set_ttl(absl::ToInt64Seconds(o_.lease));
  MC_ASSIGN_OR_RETURN(etcdserverpb::LeaseGrantResponse lease, client_->LeaseGrant(g));
  if (!lease.error().empty() || lease.id() == 0) {
    return absl::UnavailableError(
        absl::StrCat("etcd ", client_->endpoints_text(), ": lease grant: ", lease.error()));
  }
  TxnRequest t;
  Compare* c = t.add_compare();
  c->set_key(o_.key);
  c->set_target(Compare::CREATE);
  c->set_result(Compare::EQUAL);
  c->set_create_revision(0);
  auto* put = t.add_success()->mutable_request_put();
  put->set_key(o_.key);
  put->set_value(o_.value);
  put->set_lease(lease.id());
  t.add_failure()->mutable_request_range()->set_key(o_.key);
  absl::StatusOr<TxnResponse> r = client_->Txn(t);
  if (!r.ok() || !r->succeeded()) {
    etcdserverpb::LeaseRevokeRequest rv;
    rv.set_id(lease.id());
    (void)client_->LeaseRevoke(rv);  // best effort; it expires anyway
    if (!r.ok()) return r.status();
    const auto& found = r->responses(0).response_range();
    absl::MutexLock lock(&mu_);
    observed_ = found.kvs_size() > 0 ? found.kvs(0).value() : "";
    return 0;
  }
  // The Txn's revision is the key's create revision: the fencing token.
  lease_id_ = lease.id();
  token_ = r->header().revision();
  absl::MutexLock lock(&mu_);
  observed_ = o_.value;
  failing_since_ = absl::InfiniteFuture();
  return token_;
}

void EtcdLeadership::KeepAlive(std::function<void(const absl::Status&)> lost) {
  if (token_ == 0 || renewer_.joinable()) return;
  renewer_ = std::thread([this, lost = std::move(lost)]() mutable { RenewLoop(std::move(lost)); });
}

void EtcdLeadership::RenewLoop(std::function<void(const absl::Status&)> lost) {
  const absl::Duration every = std::max(o_.lease / 3, absl::Milliseconds(200));
  absl::Time next = absl::Now() + every;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
      if (mu_.AwaitWithDeadline(absl::Condition(&stopped), next)) return;
    }
    const absl::Time sent = absl::Now();
    absl::StatusOr<int64_t> ttl = client_->LeaseKeepAliveOnce(lease_id_);
    if (ttl.ok() && *ttl <= 0) {
      lost(absl::FailedPreconditionError(
          absl::StrCat("leadership: the lease of ", o_.key, " (token ", token_,
                       ") has expired; another replica may lead now")));
      return;
    }
    absl::MutexLock lock(&mu_);
    if (ttl.ok()) {
      if (failing_since_ != absl::InfiniteFuture()) {
        spdlog::info("leadership: lease renewed again; leading (token {})", token_);
      }
      failing_since_ = absl::InfiniteFuture();
      next = sent + every;
    } else {
      if (failing_since_ == absl::InfiniteFuture()) {
        failing_since_ = sent;
        spdlog::warn("leadership: lease renewal failed, retrying: {}", ttl.status().ToString());
      }
      next = absl::Now() + std::min(every, absl::Milliseconds(250));
    }
  }
}

bool EtcdLeadership::Confirmed() const {
  absl::MutexLock lock(&mu_);
  if (token_ == 0) return false;
  return failing_since_ == absl::InfiniteFuture() || absl::Now() - failing_since_ < o_.lease / 3;
}

void EtcdLeadership::Resign() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (renewer_.joinable()) renewer_.join();
  if (lease_id_ == 0) return;
  etcdserverpb::LeaseRevokeRequest rv;
  rv.set_id(lease_id_);
  (void)client_->LeaseRevoke(rv);
  lease_id_ = 0;
}

}  // namespace manychip
