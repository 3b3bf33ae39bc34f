#pragma once

// The etcd backend of StateStore: jobs, bindings, nodes and the event log as
// keys under one prefix of an etcd v3 cluster, read and written through
// etcd's gRPC KV API, so several manychipd replicas can share one durable
// state (leader election builds on it).
//
// A StoreWrite that fits one etcd Txn (at most `max_txn_ops` operations and
// `max_request_bytes` bytes, etcd's `--max-txn-ops` and
// `--max-request-bytes`) is that one Txn: one round trip. A bigger one is
// split, never half-visible: it is first staged whole under PREFIX/staged/,
// made visible by one small commit Txn, then applied in bounded Txns and the
// stage deleted. Readers that find a committed stage read it over the keys,
// and the next open finishes the apply, so a crash at any point leaves either
// none or all of the write visible. A single record that cannot fit one Txn
// is refused with InvalidArgument before anything is written.
//
// Fencing (HA, etcd_leadership.h): with `fence_key` set, every Txn that
// writes also compares that key's create revision with `fence_revision`,
// the token the leader won its election with. A replica deposed while it
// paused or was cut off then cannot write: its write is refused with
// FailedPrecondition ("fenced: ...") before anything is applied, and
// `on_fenced` is called so it can step down at once.
//
// Thread-safety: every method is safe from any thread (writes are serialized
// by a mutex). One writer per prefix: a write that finds the prefix changed
// by someone else since it last read is refused with Aborted.
//
//   EtcdStoreOptions o;
//   o.endpoints = {"127.0.0.1:2379"};
//   MC_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, OpenEtcdStateStore(o));

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "manychip/store/state_store.h"

namespace manychip {

struct EtcdStoreOptions {
  // "host:port" of each member; calls go to one and move to the next when it
  // does not answer.
  std::vector<std::string> endpoints;
  // Every key lives under PREFIX + "/". Must start with '/' and not end with it.
  std::string prefix = "/manychip";
  // The etcd server's limits; a Txn is never built larger than these.
  int max_txn_ops = 128;
  int64_t max_request_bytes = 1536 * 1024;
  // Deadline of each call to etcd; one that passes counts as unreachable.
  absl::Duration request_timeout = absl::Seconds(5);
  // The leader key and the create revision it had when this replica won it
  // (its fencing token). Empty key = no fencing (a single manychipd).
  std::string fence_key;
  int64_t fence_revision = 0;
  // Called (from the writing thread, before Write returns) when a write was
  // refused because the fence key no longer carries `fence_revision`.
  std::function<void(const absl::Status&)> on_fenced;
  // Tests only: called at each step of a split write ("staged": chunks
  // written; "committed"; "applying": after each applied Txn; "applied");
  // an error returned there ends the write at that point as a crash would,
  // and Write returns it. The store must not be used after that.
  std::function<absl::Status(absl::string_view step)> crash_point_for_test;
};

// Connects to etcd, checks that the prefix is empty or holds manychip's own
// state (FailedPrecondition naming a foreign key otherwise), marks an empty
// one as manychip's, and finishes any split write a crash left committed.
// Unavailable, naming the endpoints, when no member answers.
absl::StatusOr<std::unique_ptr<StateStore>> OpenEtcdStateStore(EtcdStoreOptions options);

}  // namespace manychip
