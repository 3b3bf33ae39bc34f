#pragma once

// LeaderTargets: where a client of a replicated manychipd (HA on etcd,
// docs/ha.md) sends its next call. It holds the `--server A,B,C` list and
// the address it currently believes leads. A standby answers every call
// UNAVAILABLE with the leader's advertised address in the trailing metadata
// key `manychip-leader` (kLeaderMetadataKey); after such an answer the
// client goes there, and after an answer without one (a dead replica, a
// standby that knows no leader) to the next address of the list. Callers
// bound their retries by count (`max_tries()`) and by their deadline.
//
// Thread-safety: not thread-safe; one per client thread.
//
//   MC_ASSIGN_OR_RETURN(LeaderTargets targets, LeaderTargets::Parse("a:1,b:1,c:1"));
//   for (int i = 0; i < targets.max_tries(); ++i) {
//     grpc::ClientContext ctx;
//     grpc::Status s = StubFor(targets.current())->SubmitJob(&ctx, req, &resp);
//     if (s.error_code() != grpc::StatusCode::UNAVAILABLE) break;
//     targets.Failed(LeaderHint(ctx));
//   }

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/client_context.h"

namespace manychip {

// The trailing metadata key carrying the leader's advertised address.
inline constexpr char kLeaderMetadataKey[] = "manychip-leader";

class LeaderTargets {
 public:
  // "host:port[,host:port...]"; InvalidArgument naming an empty or
  // port-less entry.
  static absl::StatusOr<LeaderTargets> Parse(absl::string_view list);

  const std::string& current() const { return current_; }
  const std::vector<std::string>& all() const { return list_; }
  // Tries that reach every listed address and follow a hint after each.
  int max_tries() const { return 2 * static_cast<int>(list_.size()) + 1; }

  // The call to current() failed UNAVAILABLE (or did not connect) with
  // `leader_hint` ("" if none): go to the hint when it names another
  // address, else to the next address of the list.
  void Failed(absl::string_view leader_hint);
  // current() answered as the leader: stay.
  void Succeeded() {}

 private:
  std::vector<std::string> list_;
  size_t next_ = 0;  // next list index to try without a hint
  std::string current_;
};

// The `manychip-leader` value of a finished call's trailing metadata, "" if
// it has none.
std::string LeaderHint(const grpc::ClientContext& ctx);

}  // namespace manychip
