#pragma once

// NodeSessions: the daemon's table of nodes. For each registered node it
// keeps the inventory as last registered (device health kept current), the
// operator's cordon, liveness (ready, last heard from) and the agent
// session (its id and outbox). Scheduler-core calls for these changes stay
// with the controller; this class decides who is current and who is silent.
//
// Invariants: session ids only grow, so a stale session (an old stream, a
// message from before a re-register) is recognised and ignored; at most one
// live link per node; a node is NotReady only after `grace` without a word,
// and ExpireSilent reports each such transition once.
//
// Thread-safety: none; the controller's owner thread. Links are thread-safe.
//
//   NodeSessions nodes(absl::Seconds(40));
//   MC_RETURN_IF_ERROR(nodes.CheckNoLiveSession(name));
//   NodeSessions::Node& n = nodes.Add(name, proto, now);
//   int64_t session = nodes.StartSession(n, now, running);
//   MC_ASSIGN_OR_RETURN(NodeSessions::Node* n, nodes.Attach(name, session, link, now));
//   for (const std::string& silent : nodes.ExpireSilent(now)) FailTasksOver(silent);

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "manychip/v1/agent.pb.h"
#include "manychip/v1/types.pb.h"

namespace manychip::internal {

// A live agent session's outbox. Thread-safe.
class SessionLink {
 public:
  virtual ~SessionLink() = default;
  virtual void Send(const v1::ControllerMessage& msg) = 0;
  virtual void Close(const absl::Status& status) = 0;  // idempotent
};

class NodeSessions {
 public:
  struct Node {
    v1::Node proto;  // inventory, device health kept current
    bool schedulable = true;
    bool ready = false;
    absl::Time last_heartbeat;
    int64_t session_id = 0;
    std::shared_ptr<SessionLink> link;
    std::vector<v1::RunningTask> reported_running;  // from Register, used at attach
    std::vector<v1::TaskEvent> reported_finished;   // from Register, applied at attach
    std::set<int32_t> isolated;                     // devices the scheduler sees unhealthy
    std::vector<std::string> drain_evicted;         // jobs evicted by the current drain
  };

  explicit NodeSessions(absl::Duration grace) : grace_(grace) {}

  Node* Find(const std::string& name);
  const Node* Find(const std::string& name) const;
  const std::map<std::string, Node>& all() const { return nodes_; }
  std::map<std::string, Node>& all() { return nodes_; }

  // A new node, ready, heard from `now`. It must not exist yet.
  Node& Add(const std::string& name, v1::Node proto, absl::Time now);
  void Remove(const std::string& name) { nodes_.erase(name); }

  // AlreadyExists while `name` has a live session: a second agent for the
  // same node is refused.
  absl::Status CheckNoLiveSession(const std::string& name) const;
  // A registration: a new session id (what the agent's stream must name),
  // the tasks it reported running and the outcomes it holds
  // unacknowledged (both kept for the attach), heard from `now`.
  int64_t StartSession(Node& n, absl::Time now, std::vector<v1::RunningTask> running,
                       std::vector<v1::TaskEvent> finished);
  // The session's stream arrived. FailedPrecondition for an unknown node or
  // a stale session, AlreadyExists if one is attached already.
  absl::StatusOr<Node*> Attach(const std::string& name, int64_t session_id,
                               std::shared_ptr<SessionLink> link, absl::Time now);
  // The stream ended; false (nothing done) when `session_id` is stale.
  bool Detach(const std::string& name, int64_t session_id);
  // A message on `session_id`: the node, heard from now; null (ignore the
  // message) for an unknown node or a stale session.
  Node* Heard(const std::string& name, int64_t session_id, absl::Time now);

  // Ready nodes silent for longer than the grace are now NotReady; their
  // names, in name order.
  std::vector<std::string> ExpireSilent(absl::Time now);

  // Sends on the node's session; false when it has none (it catches up at
  // its next session, see Controller::Reconcile).
  bool Deliver(const std::string& name, const v1::ControllerMessage& msg);
  // Ends every session (shutdown).
  void CloseAll(const absl::Status& status);

  absl::Duration grace() const { return grace_; }

 private:
  const absl::Duration grace_;
  std::map<std::string, Node> nodes_;
  int64_t next_session_id_ = 1;
};

}  // namespace manychip::internal
