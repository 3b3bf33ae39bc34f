#include "src/service/node_sessions.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace manychip::internal {

NodeSessions::Node* NodeSessions::Find(const std::string& name) {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : &it->second;
}

const NodeSessions::Node* NodeSessions::Find(const std::string& name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : &it->second;
}

NodeSessions::Node& NodeSessions::Add(const std::string& name, v1::Node proto, absl::Time now) {
  Node& n = nodes_[name];
  n.proto = std::move(proto);
  n.ready = true;
  n.last_heartbeat = now;
  return n;
}

absl::Status NodeSessions::CheckNoLiveSession(const std::string& name) const {
  const Node* n = Find(name);
  if (n == nullptr || !n->link) return absl::OkStatus();
  return absl::AlreadyExistsError(
      absl::StrCat("node ", name, " is already registered by a live session (", n->session_id,
                   "); a second agent for the same node is refused"));
}

int64_t NodeSessions::StartSession(Node& n, absl::Time now, std::vector<v1::RunningTask> running,
                                   std::vector<v1::TaskEvent> finished) {
  n.last_heartbeat = now;
  n.session_id = next_session_id_++;
  n.reported_running = std::move(running);
  n.reported_finished = std::move(finished);
  return n.session_id;
}

absl::StatusOr<NodeSessions::Node*> NodeSessions::Attach(const std::string& name,
                                                         int64_t session_id,
                                                         std::shared_ptr<SessionLink> link,
                                                         absl::Time now) {
  Node* n = Find(name);
  if (n == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("node ", name, " is not registered"));
  }
  if (n->session_id != session_id) {
    return absl::FailedPreconditionError(absl::StrCat("node ", name, ": session ", session_id,
                                                      " is stale (current ", n->session_id, ")"));
  }
  if (n->link) {
    return absl::AlreadyExistsError(absl::StrCat("node ", name, " already has a live session"));
  }
  n->link = std::move(link);
  n->last_heartbeat = now;
  return n;
}

bool NodeSessions::Detach(const std::string& name, int64_t session_id) {
  Node* n = Find(name);
  if (n == nullptr || n->session_id != session_id) return false;
  n->link.reset();
  return true;
}

NodeSessions::Node* NodeSessions::Heard(const std::string& name, int64_t session_id,
                                        absl::Time now) {
  Node* n = Find(name);
  if (n == nullptr || n->session_id != session_id) return nullptr;
  n->last_heartbeat = now;
  return n;
}

std::vector<std::string> NodeSessions::ExpireSilent(absl::Time now) {
  std::vector<std::string> out;
  for (auto& [name, n] : nodes_) {
    if (!n.ready || now - n.last_heartbeat <= grace_) continue;
    n.ready = false;
    out.push_back(name);
  }
  return out;
}

bool NodeSessions::Deliver(const std::string& name, const v1::ControllerMessage& msg) {
  Node* n = Find(name);
  if (n == nullptr || !n->link) return false;
  n->link->Send(msg);
  return true;
}

void NodeSessions::CloseAll(const absl::Status& status) {
  for (auto& [name, n] : nodes_) {
    if (n.link) n.link->Close(status);
  }
}

}  // namespace manychip::internal
