#pragma once

// Which task events are outcomes: the ones an agent keeps until the daemon
// acknowledges them (agent.proto, "Failure handling"). One definition for
// the agent, its ledger, the daemon's gateway and the controller.

#include "manychip/v1/agent.pb.h"

namespace manychip::internal {

inline bool IsTaskOutcome(v1::TaskEventKind kind) {
  return kind == v1::EXITED || kind == v1::FAILED_TO_START || kind == v1::LOST;
}

inline bool IsTaskOutcome(const v1::TaskEvent& ev) { return IsTaskOutcome(ev.kind()); }

// For error messages: "EXITED, FAILED_TO_START or LOST".
inline constexpr const char* kTaskOutcomeKinds = "EXITED, FAILED_TO_START or LOST";

}  // namespace manychip::internal
