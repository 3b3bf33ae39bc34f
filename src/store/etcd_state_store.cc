// etcd backend of StateStore. Key layout under PREFIX:
//
//   PREFIX/format                  "manychip-state/1": the prefix is ours
//   PREFIX/seq                     SeqValue: last event seq, id of the write
//   PREFIX/jobs/<job id>           v1.JobStatus without tasks
//   PREFIX/bindings/<task id>      BindingValue
//   PREFIX/nodes/<node name>       NodeValue
//   PREFIX/events/<seq, 20 digits> EventValue (zero-padded so key order is seq order)
//   PREFIX/staged/chunk/<n>        a split write's StagedWrite bytes, in chunks
//   PREFIX/staged/commit           StagedCommit: the split write is durable
//   PREFIX/leader                  the HA leader's advertised address, on its
//                                  lease (etcd_leadership.h); written by the
//                                  election, never by this store
//
// Every write's Txn compares PREFIX/seq's mod revision with the one this
// store last saw and rewrites it, so a second writer is detected instead of
// interleaved, and a Txn retried after a lost reply recognizes its own
// write id. Reads pin one revision, so a Load never mixes two writes. With a
// fence (HA), every writing Txn also compares the leader key's create
// revision with this replica's token, so a deposed leader writes nothing.

#include "manychip/store/etcd_state_store.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "manychip/status.h"
#include "manychip/store/records.pb.h"
#include "src/store/etcd_client.h"
#include "src/store/write_checks.h"

namespace manychip {
namespace {

using etcdserverpb::Compare;
using etcdserverpb::RangeRequest;
using etcdserverpb::RequestOp;
using etcdserverpb::TxnRequest;
using etcdserverpb::TxnResponse;
using internal::EtcdClient;
using internal::PrefixEnd;

constexpr char kFormat[] = "manychip-state/1";
// Room left in each request for etcd's own raft envelope around the Txn.
constexpr int64_t kEnvelopeBytes = 1024;
// Per-operation framing inside a TxnRequest (tags and lengths), rounded up.
constexpr int64_t kOpFraming = 32;
constexpr int64_t kRangePage = 1000;

// key -> value to put, or nullopt to delete.
using OpMap = std::map<std::string, std::optional<std::string>>;

class Keys {
 public:
  explicit Keys(std::string prefix) : p_(std::move(prefix) + "/") {}
  const std::string& all() const { return p_; }
  std::string format() const { return p_ + "format"; }
  std::string seq() const { return p_ + "seq"; }
  std::string jobs() const { return p_ + "jobs/"; }
  std::string bindings() const { return p_ + "bindings/"; }
  std::string nodes() const { return p_ + "nodes/"; }
  std::string events() const { return p_ + "events/"; }
  std::string event(int64_t seq) const { return absl::StrFormat("%sevents/%020d", p_, seq); }
  std::string staged() const { return p_ + "staged/"; }
  std::string chunks() const { return p_ + "staged/chunk/"; }
  std::string chunk(int n) const { return absl::StrFormat("%sstaged/chunk/%06d", p_, n); }
  std::string commit() const { return p_ + "staged/commit"; }
  std::string leader() const { return p_ + "leader"; }

 private:
  std::string p_;
};

void AddPut(TxnRequest& t, const std::string& key, const std::string& value) {
  auto* put = t.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(value);
}

void AddDelete(RequestOp* op, const std::string& key, const std::string& range_end = "") {
  auto* del = op->mutable_request_delete_range();
  del->set_key(key);
  if (!range_end.empty()) del->set_range_end(range_end);
}

void AddRange(RequestOp* op, const std::string& key, const std::string& range_end = "",
              int64_t limit = 0, bool keys_only = false) {
  auto* r = op->mutable_request_range();
  r->set_key(key);
  if (!range_end.empty()) r->set_range_end(range_end);
  r->set_limit(limit);
  r->set_keys_only(keys_only);
}

int64_t OpBytes(const std::string& key, const std::optional<std::string>& value) {
  return static_cast<int64_t>(key.size() + (value ? value->size() : 0)) + kOpFraming;
}

class EtcdStateStore final : public StateStore {
 public:
  explicit EtcdStateStore(EtcdStoreOptions o)
      : o_(std::move(o)), keys_(o_.prefix), client_(o_.endpoints, o_.request_timeout) {
    std::random_device rd;
    instance_ = absl::StrFormat("%08x%08x", rd(), rd());
  }

  // Checks and claims the prefix, learns the seq key, finishes a stage.
  absl::Status Open() {
    absl::MutexLock lock(&mu_);
    for (int attempt = 0; attempt < 3; ++attempt) {
      TxnRequest read;
      AddRange(read.add_success(), keys_.format());
      AddRange(read.add_success(), keys_.seq());
      // Two keys: the election's leader key may come first on a new prefix.
      AddRange(read.add_success(), keys_.all(), PrefixEnd(keys_.all()), 2, true);
      MC_ASSIGN_OR_RETURN(TxnResponse r, client_.Txn(read));
      const auto& format = r.responses(0).response_range();
      const auto& seq = r.responses(1).response_range();
      const auto& any = r.responses(2).response_range();
      if (format.kvs_size() == 0) {
        for (const auto& kv : any.kvs()) {
          if (kv.key() == keys_.leader()) continue;
          return absl::FailedPreconditionError(absl::StrCat(
              "etcd ", client_.endpoints_text(), ": prefix \"", o_.prefix,
              "\" holds keys manychip did not write (e.g. \"", kv.key(), "\") and no \"",
              keys_.format(), "\" marker; use an empty prefix: etcd://HOST:PORT/OTHER_PREFIX"));
        }
        // Claim the empty prefix; a racing claimer makes this fail and the
        // next round reads what it wrote.
        TxnRequest claim;
        Compare* c = claim.add_compare();
        c->set_key(keys_.format());
        c->set_target(Compare::VERSION);
        c->set_result(Compare::EQUAL);
        c->set_version(0);
        AddPut(claim, keys_.format(), kFormat);
        store::SeqValue zero;
        AddPut(claim, keys_.seq(), zero.SerializeAsString());
        AddFence(claim);
        MC_ASSIGN_OR_RETURN(TxnResponse cr, client_.Txn(claim));
        if (FenceFailed(cr)) return Fenced(cr);
        if (cr.succeeded()) {
          last_seq_ = 0;
          seq_mod_rev_ = cr.header().revision();
          return absl::OkStatus();
        }
        continue;
      }
      if (format.kvs(0).value() != kFormat) {
        return absl::FailedPreconditionError(
            absl::StrCat("etcd ", client_.endpoints_text(), ": \"", keys_.format(), "\" is \"",
                         format.kvs(0).value(), "\"; this build reads \"", kFormat, "\""));
      }
      if (seq.kvs_size() == 0) {
        return absl::DataLossError(absl::StrCat("etcd ", client_.endpoints_text(), ": \"",
                                                keys_.seq(),
                                                "\" is missing under a manychip prefix"));
      }
      MC_RETURN_IF_ERROR(AdoptSeqLocked(seq.kvs(0)));
      // A stage left by a crash: committed means durable, so finish it;
      // uncommitted was never visible, so drop it.
      return RollForwardLocked();
    }
    return absl::AbortedError(absl::StrCat("etcd ", client_.endpoints_text(), ": prefix \"",
                                           o_.prefix, "\" kept changing while being claimed"));
  }

  absl::Status Write(const StoreWrite& w) override {
    MC_RETURN_IF_ERROR(internal::CheckRecordKeys(w));
    absl::MutexLock lock(&mu_);
    if (pending_) MC_RETURN_IF_ERROR(RollForwardLocked());
    const std::string write_id = absl::StrCat(instance_, "-", ++writes_);
    for (int attempt = 0; attempt < 2; ++attempt) {
      const OpMap ops = Plan(w, last_seq_);
      store::SeqValue seq;
      seq.set_last_seq(last_seq_ + static_cast<int64_t>(w.events.size()));
      seq.set_write_id(write_id);
      int64_t bytes = OpBytes(keys_.seq(), seq.SerializeAsString());
      for (const auto& [key, value] : ops) {
        MC_RETURN_IF_ERROR(CheckFits(key, value));
        bytes += OpBytes(key, value);
      }
      const bool one_txn = static_cast<int64_t>(ops.size()) + 1 <= o_.max_txn_ops &&
                           bytes <= o_.max_request_bytes - kEnvelopeBytes;
      absl::StatusOr<bool> landed =
          one_txn ? WriteOneTxnLocked(ops, seq) : WriteSplitLocked(ops, seq);
      if (!landed.ok()) return landed.status();
      if (*landed) return absl::OkStatus();
      // The seq key moved under an earlier write of ours whose reply was
      // lost; the cache now follows it, so plan again with the new seqs.
    }
    return absl::AbortedError(absl::StrCat("etcd ", client_.endpoints_text(), ": prefix \"",
                                           o_.prefix, "\": write did not settle; nothing applied"));
  }

  absl::StatusOr<StoreSnapshot> Load() const override {
    absl::Status last;
    for (int attempt = 0; attempt < 3; ++attempt) {
      absl::StatusOr<StoreSnapshot> snap = LoadOnce();
      // OutOfRange: the pinned revision was compacted mid-read; read anew.
      if (snap.ok() || snap.status().code() != absl::StatusCode::kOutOfRange) return snap;
      last = snap.status();
    }
    return last;
  }

  absl::StatusOr<std::vector<EventRecord>> Events(int64_t after_seq, int limit) const override {
    std::vector<EventRecord> out;
    if (limit <= 0 || after_seq >= INT64_MAX - 1) return out;
    TxnRequest read;
    AddRange(read.add_success(), keys_.event(std::max<int64_t>(after_seq, 0) + 1),
             PrefixEnd(keys_.events()), limit);
    AddRange(read.add_success(), keys_.commit());
    MC_ASSIGN_OR_RETURN(TxnResponse r, client_.Txn(read));
    std::map<std::string, std::string> kvs;
    for (const auto& kv : r.responses(0).response_range().kvs()) kvs[kv.key()] = kv.value();
    if (r.responses(1).response_range().kvs_size() > 0) {
      MC_ASSIGN_OR_RETURN(
          store::StagedWrite staged,
          ReadStaged(r.responses(1).response_range().kvs(0).value(), r.header().revision()));
      Overlay(staged, keys_.events(), kvs);
    }
    for (const auto& [key, value] : kvs) {
      store::EventValue e;
      if (!e.ParseFromString(value)) return Corrupt(key);
      if (e.seq() <= after_seq) continue;
      if (static_cast<int>(out.size()) >= limit) break;
      out.push_back({.seq = e.seq(),
                     .unix_ms = e.unix_ms(),
                     .kind = e.kind(),
                     .subject = e.subject(),
                     .detail = e.detail(),
                     .refs = e.refs()});
    }
    return out;
  }

 private:
  // A record no Txn can carry is refused, before anything of the write is sent.
  absl::Status CheckFits(const std::string& key, const std::optional<std::string>& value) const {
    const int64_t room = o_.max_request_bytes - kEnvelopeBytes - OpBytes(keys_.seq(), "x");
    if (OpBytes(key, value) <= room) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "record \"", key, "\": ", OpBytes(key, value), " bytes; one etcd request carries at most ",
        room, " (the store's max_request_bytes, etcd's --max-request-bytes); nothing was written"));
  }

  // The key operations `w` makes, later ones winning on the same key (the
  // SQLite backend's statement order), events numbered from after `seq`.
  OpMap Plan(const StoreWrite& w, int64_t seq) const {
    OpMap ops;
    for (const v1::JobStatus& j : w.put_jobs) {
      v1::JobStatus copy = j;
      copy.clear_tasks();
      ops[keys_.jobs() + j.job().id()] = copy.SerializeAsString();
    }
    for (const BindingRecord& b : w.put_bindings) {
      store::BindingValue v;
      v.set_job_id(b.job_id);
      *v.mutable_task() = b.task;
      ops[keys_.bindings() + b.task.task_id()] = v.SerializeAsString();
    }
    for (const std::string& id : w.delete_bindings) ops[keys_.bindings() + id] = std::nullopt;
    for (const NodeRecord& n : w.put_nodes) {
      store::NodeValue v;
      *v.mutable_node() = n.node;
      v.set_schedulable(n.schedulable);
      ops[keys_.nodes() + n.node.name()] = v.SerializeAsString();
    }
    for (const std::string& name : w.delete_nodes) ops[keys_.nodes() + name] = std::nullopt;
    for (const EventRecord& e : w.events) {
      store::EventValue v;
      v.set_seq(++seq);
      v.set_unix_ms(e.unix_ms);
      v.set_kind(e.kind);
      v.set_subject(e.subject);
      v.set_detail(e.detail);
      *v.mutable_refs() = e.refs;
      ops[keys_.event(seq)] = v.SerializeAsString();
    }
    return ops;
  }

  // The compare every write makes: the seq key is as this store last saw it.
  void AddSeqGuard(TxnRequest& t) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Compare* c = t.add_compare();
    c->set_key(keys_.seq());
    c->set_target(Compare::MOD);
    c->set_result(Compare::EQUAL);
    c->set_mod_revision(seq_mod_rev_);
    AddRange(t.add_failure(), keys_.seq());
    AddFence(t);
  }

  // The compare every writing Txn makes under a fence: the leader key still
  // has the create revision this replica won it with. Its failure branch
  // reads the key, so a refusal can say who holds it now.
  void AddFence(TxnRequest& t) const {
    if (o_.fence_key.empty()) return;
    Compare* c = t.add_compare();
    c->set_key(o_.fence_key);
    c->set_target(Compare::CREATE);
    c->set_result(Compare::EQUAL);
    c->set_create_revision(o_.fence_revision);
    AddRange(t.add_failure(), o_.fence_key);
  }

  // Whether a failed Txn failed on the fence; the fence key's range is the
  // failure branch's last response.
  bool FenceFailed(const TxnResponse& r) const {
    if (o_.fence_key.empty() || r.succeeded() || r.responses_size() == 0) return false;
    const auto& found = r.responses(r.responses_size() - 1).response_range();
    return found.kvs_size() == 0 || found.kvs(0).create_revision() != o_.fence_revision;
  }

  absl::Status Fenced(const TxnResponse& r) const {
    const auto& found = r.responses(r.responses_size() - 1).response_range();
    const std::string now =
        found.kvs_size() == 0 ? std::string("absent")
                              : absl::StrCat("held by \"", found.kvs(0).value(),
                                             "\" since revision ", found.kvs(0).create_revision());
    absl::Status s = absl::FailedPreconditionError(
        absl::StrCat("fenced: etcd ", client_.endpoints_text(), ": leader key \"", o_.fence_key,
                     "\" is ", now, ", not this replica's term (token ", o_.fence_revision,
                     "): it is no longer the leader; nothing of the write was applied"));
    if (o_.on_fenced) o_.on_fenced(s);
    return s;
  }

  // A writing Txn outside the seq guard (stage chunks, applies, unstage):
  // fenced like every write.
  absl::Status FencedTxn(TxnRequest& t) const {
    AddFence(t);
    MC_ASSIGN_OR_RETURN(TxnResponse r, client_.Txn(t));
    if (FenceFailed(r)) return Fenced(r);
    return absl::OkStatus();
  }

  absl::Status AdoptSeqLocked(const mvccpb::KeyValue& kv) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    store::SeqValue v;
    if (!v.ParseFromString(kv.value())) return Corrupt(kv.key());
    last_seq_ = v.last_seq();
    seq_mod_rev_ = kv.mod_revision();
    return absl::OkStatus();
  }

  // Runs a guarded Txn carrying `seq`. true: it landed (now or on an
  // earlier try whose reply was lost). false: an earlier write of ours moved
  // the seq key; the cache follows it and the caller plans again. Aborted if
  // another writer moved it.
  absl::StatusOr<bool> GuardedTxnLocked(TxnRequest& t, const store::SeqValue& seq)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    AddSeqGuard(t);
    absl::StatusOr<TxnResponse> r = client_.Txn(t);
    if (!r.ok()) {
      // The reply may be lost after the Txn applied: look before saying no.
      if (r.status().code() != absl::StatusCode::kUnavailable) return r.status();
      RangeRequest q;
      q.set_key(keys_.seq());
      absl::StatusOr<etcdserverpb::RangeResponse> now = client_.Range(q);
      if (!now.ok() || now->kvs_size() == 0) return r.status();
      store::SeqValue v;
      if (v.ParseFromString(now->kvs(0).value()) && v.write_id() == seq.write_id()) {
        MC_RETURN_IF_ERROR(AdoptSeqLocked(now->kvs(0)));
        return true;
      }
      return r.status();
    }
    if (r->succeeded()) {
      last_seq_ = seq.last_seq();
      seq_mod_rev_ = r->header().revision();
      return true;
    }
    if (FenceFailed(*r)) return Fenced(*r);
    const auto& found = r->responses(0).response_range();
    if (found.kvs_size() == 0) {
      return absl::DataLossError(absl::StrCat("etcd ", client_.endpoints_text(), ": \"",
                                              keys_.seq(), "\" was deleted under the store"));
    }
    store::SeqValue v;
    if (!v.ParseFromString(found.kvs(0).value())) return Corrupt(found.kvs(0).key());
    if (v.write_id() == seq.write_id()) {
      MC_RETURN_IF_ERROR(AdoptSeqLocked(found.kvs(0)));
      return true;
    }
    if (absl::StartsWith(v.write_id(), instance_ + "-")) {
      MC_RETURN_IF_ERROR(AdoptSeqLocked(found.kvs(0)));
      return false;
    }
    return absl::AbortedError(
        absl::StrCat("etcd ", client_.endpoints_text(), ": prefix \"", o_.prefix,
                     "\" was written by another writer (write ", v.write_id(),
                     ") since this store last read it; nothing of this write was applied"));
  }

  absl::StatusOr<bool> WriteOneTxnLocked(const OpMap& ops, const store::SeqValue& seq)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    TxnRequest t;
    for (const auto& [key, value] : ops) {
      if (value) {
        AddPut(t, key, *value);
      } else {
        AddDelete(t.add_success(), key);
      }
    }
    AddPut(t, keys_.seq(), seq.SerializeAsString());
    return GuardedTxnLocked(t, seq);
  }

  absl::Status CrashPoint(absl::string_view step) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!o_.crash_point_for_test) return absl::OkStatus();
    absl::Status s = o_.crash_point_for_test(step);
    crashed_for_test_ = !s.ok();
    return s;
  }

  // Stage whole, commit with one small Txn, apply in bounded Txns, unstage.
  absl::StatusOr<bool> WriteSplitLocked(const OpMap& ops, const store::SeqValue& seq)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    store::StagedWrite staged;
    staged.set_write_id(seq.write_id());
    for (const auto& [key, value] : ops) {
      store::StagedOp* op = staged.add_ops();
      op->set_key(key);
      if (value) {
        op->set_value(*value);
      } else {
        op->set_is_delete(true);
      }
    }
    const std::string bytes = staged.SerializeAsString();
    const size_t chunk =
        static_cast<size_t>(o_.max_request_bytes - kEnvelopeBytes - OpBytes(keys_.chunk(0), ""));
    int chunks = 0;
    for (size_t at = 0; at < bytes.size(); at += chunk, ++chunks) {
      TxnRequest t;
      AddPut(t, keys_.chunk(chunks), bytes.substr(at, chunk));
      MC_RETURN_IF_ERROR(FencedTxn(t));
    }
    MC_RETURN_IF_ERROR(CrashPoint("staged"));
    store::StagedCommit commit;
    commit.set_write_id(seq.write_id());
    commit.set_chunks(chunks);
    commit.set_bytes(static_cast<int64_t>(bytes.size()));
    TxnRequest t;
    AddPut(t, keys_.commit(), commit.SerializeAsString());
    AddPut(t, keys_.seq(), seq.SerializeAsString());
    absl::StatusOr<bool> landed = GuardedTxnLocked(t, seq);
    if (!landed.ok() && landed.status().code() == absl::StatusCode::kUnavailable) {
      // Committed or not is unknown: the next write or open looks at the
      // commit key and finishes or drops the stage.
      pending_ = true;
      return landed;
    }
    if (!landed.ok() || !*landed) {
      // Surely not committed, so never visible: drop the stage (best
      // effort; the next open drops it too).
      TxnRequest drop;
      AddDelete(drop.add_success(), keys_.staged(), PrefixEnd(keys_.staged()));
      AddFence(drop);
      (void)client_.Txn(drop);
      return landed;
    }
    // Durable from here on: a failure below leaves the stage for the next
    // write or open to finish, and this write still succeeded.
    pending_ = true;
    MC_RETURN_IF_ERROR(CrashPoint("committed"));
    if (absl::Status s = ApplyLocked(staged); !s.ok()) {
      return crashed_for_test_ ? absl::StatusOr<bool>(s) : true;
    }
    MC_RETURN_IF_ERROR(CrashPoint("applied"));
    (void)UnstageLocked();
    return true;
  }

  // Applies a staged write's ops in Txns within both limits.
  absl::Status ApplyLocked(const store::StagedWrite& staged) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    TxnRequest t;
    int64_t bytes = 0;
    auto flush = [&]() -> absl::Status {
      if (t.success_size() == 0) return absl::OkStatus();
      MC_RETURN_IF_ERROR(FencedTxn(t));
      t.Clear();
      bytes = 0;
      return CrashPoint("applying");  // after each applied Txn
    };
    for (const store::StagedOp& op : staged.ops()) {
      const int64_t b = OpBytes(op.key(), op.value());
      if (t.success_size() + 1 > o_.max_txn_ops ||
          bytes + b > o_.max_request_bytes - kEnvelopeBytes) {
        MC_RETURN_IF_ERROR(flush());
      }
      if (op.is_delete()) {
        AddDelete(t.add_success(), op.key());
      } else {
        AddPut(t, op.key(), op.value());
      }
      bytes += b;
    }
    return flush();
  }

  absl::Status UnstageLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    TxnRequest t;
    AddDelete(t.add_success(), keys_.staged(), PrefixEnd(keys_.staged()));
    MC_RETURN_IF_ERROR(FencedTxn(t));
    pending_ = false;
    return absl::OkStatus();
  }

  // Finishes a committed stage, or drops an uncommitted one.
  absl::Status RollForwardLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    RangeRequest q;
    q.set_key(keys_.commit());
    MC_ASSIGN_OR_RETURN(etcdserverpb::RangeResponse r, client_.Range(q));
    if (r.kvs_size() > 0) {
      MC_ASSIGN_OR_RETURN(store::StagedWrite staged,
                          ReadStaged(r.kvs(0).value(), r.header().revision()));
      MC_RETURN_IF_ERROR(ApplyLocked(staged));
    }
    return UnstageLocked();
  }

  // Reads and checks a committed stage as of `revision`.
  absl::StatusOr<store::StagedWrite> ReadStaged(const std::string& commit_value,
                                                int64_t revision) const {
    store::StagedCommit commit;
    if (!commit.ParseFromString(commit_value)) return Corrupt(keys_.commit());
    std::map<std::string, std::string> chunks;
    MC_RETURN_IF_ERROR(RangeAll(keys_.chunks(), PrefixEnd(keys_.chunks()), revision, chunks));
    std::string bytes;
    for (int i = 0; i < commit.chunks(); ++i) {
      auto it = chunks.find(keys_.chunk(i));
      if (it == chunks.end()) return Corrupt(keys_.chunk(i));
      bytes += it->second;
    }
    store::StagedWrite staged;
    if (static_cast<int64_t>(bytes.size()) != commit.bytes() || !staged.ParseFromString(bytes) ||
        staged.write_id() != commit.write_id()) {
      return Corrupt(keys_.commit());
    }
    return staged;
  }

  // Applies the staged ops under `dir` to `kvs`, as if already applied.
  static void Overlay(const store::StagedWrite& staged, const std::string& dir,
                      std::map<std::string, std::string>& kvs) {
    for (const store::StagedOp& op : staged.ops()) {
      if (!absl::StartsWith(op.key(), dir)) continue;
      if (op.is_delete()) {
        kvs.erase(op.key());
      } else {
        kvs[op.key()] = op.value();
      }
    }
  }

  // Every key in [begin, end) as of `revision` (> 0), paged.
  absl::Status RangeAll(std::string begin, const std::string& end, int64_t revision,
                        std::map<std::string, std::string>& out) const {
    while (true) {
      RangeRequest q;
      q.set_key(begin);
      q.set_range_end(end);
      q.set_limit(kRangePage);
      q.set_revision(revision);
      MC_ASSIGN_OR_RETURN(etcdserverpb::RangeResponse r, client_.Range(q));
      for (const auto& kv : r.kvs()) out[kv.key()] = kv.value();
      if (!r.more() || r.kvs_size() == 0) return absl::OkStatus();
      begin = r.kvs(r.kvs_size() - 1).key() + std::string(1, '\0');
    }
  }

  absl::StatusOr<StoreSnapshot> LoadOnce() const {
    // One read learns the revision every later page is pinned to.
    TxnRequest head;
    AddRange(head.add_success(), keys_.seq());
    AddRange(head.add_success(), keys_.commit());
    MC_ASSIGN_OR_RETURN(TxnResponse r, client_.Txn(head));
    const int64_t rev = r.header().revision();
    std::map<std::string, std::string> jobs, bindings, nodes;
    MC_RETURN_IF_ERROR(RangeAll(keys_.jobs(), PrefixEnd(keys_.jobs()), rev, jobs));
    MC_RETURN_IF_ERROR(RangeAll(keys_.bindings(), PrefixEnd(keys_.bindings()), rev, bindings));
    MC_RETURN_IF_ERROR(RangeAll(keys_.nodes(), PrefixEnd(keys_.nodes()), rev, nodes));
    if (r.responses(1).response_range().kvs_size() > 0) {
      MC_ASSIGN_OR_RETURN(store::StagedWrite staged,
                          ReadStaged(r.responses(1).response_range().kvs(0).value(), rev));
      Overlay(staged, keys_.jobs(), jobs);
      Overlay(staged, keys_.bindings(), bindings);
      Overlay(staged, keys_.nodes(), nodes);
    }
    StoreSnapshot snap;
    for (const auto& [key, value] : jobs) {
      v1::JobStatus j;
      if (!j.ParseFromString(value)) return Corrupt(key);
      snap.jobs.push_back(std::move(j));
    }
    for (const auto& [key, value] : bindings) {
      store::BindingValue v;
      if (!v.ParseFromString(value)) return Corrupt(key);
      snap.bindings.push_back({.job_id = v.job_id(), .task = v.task()});
    }
    for (const auto& [key, value] : nodes) {
      store::NodeValue v;
      if (!v.ParseFromString(value)) return Corrupt(key);
      snap.nodes.push_back({.node = v.node(), .schedulable = v.schedulable()});
    }
    if (r.responses(0).response_range().kvs_size() > 0) {
      store::SeqValue seq;
      const auto& kv = r.responses(0).response_range().kvs(0);
      if (!seq.ParseFromString(kv.value())) return Corrupt(kv.key());
      snap.last_event_seq = seq.last_seq();
    }
    return snap;
  }

  absl::Status Corrupt(absl::string_view key) const {
    return absl::DataLossError(absl::StrCat("etcd ", client_.endpoints_text(), ": key \"", key,
                                            "\": record does not parse"));
  }

  const EtcdStoreOptions o_;
  const Keys keys_;
  const EtcdClient client_;
  std::string instance_;  // this store's prefix of write ids

  mutable absl::Mutex mu_;
  int64_t last_seq_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t seq_mod_rev_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t writes_ ABSL_GUARDED_BY(mu_) = 0;
  bool pending_ ABSL_GUARDED_BY(mu_) = false;  // a committed stage not yet unstaged
  bool crashed_for_test_ ABSL_GUARDED_BY(mu_) = false;
};

absl::Status CheckOptions(const EtcdStoreOptions& o) {
  if (o.endpoints.empty()) return absl::InvalidArgumentError("etcd: endpoints: must not be empty");
  if (o.prefix.empty() || o.prefix.front() != '/' || o.prefix.back() == '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "etcd: prefix: must start with '/' and not end with it, got \"", o.prefix, "\""));
  }
  if (o.max_txn_ops < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("etcd: max_txn_ops: must be >= 2, got ", o.max_txn_ops));
  }
  if (o.max_request_bytes < 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("etcd: max_request_bytes: must be >= 4096, got ", o.max_request_bytes));
  }
  if (o.request_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("etcd: request_timeout: must be > 0");
  }
  if (!o.fence_key.empty() && o.fence_revision <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("etcd: fence_revision: must be > 0 with a fence_key, got ", o.fence_revision));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<StateStore>> OpenEtcdStateStore(EtcdStoreOptions options) {
  MC_RETURN_IF_ERROR(CheckOptions(options));
  auto store = std::make_unique<EtcdStateStore>(std::move(options));
  MC_RETURN_IF_ERROR(store->Open());
  return std::unique_ptr<StateStore>(std::move(store));
}

}  // namespace manychip
