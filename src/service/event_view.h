#pragma once

// What of the event log a caller sees, and the v1 form of a stored event.
//
// Visibility follows the jobs an event names (EventRefs.job, preemptor,
// victims): the admin sees every event; a tenant sees an event that names a
// job of its own, with every other tenant's job redacted (id and tenant
// cleared, the detail text rebuilt without them), so ids do not leak as
// they do not through GetJob. Events that name no job (node and device
// events) are the admin's, as ListNodes is.
//
// Thread-safety: pure functions.
//
//   v1::Event ev = EventToProto(record);
//   if (auto seen = EventForCaller(caller, ev)) Send(*seen);

#include <optional>
#include <string>

#include "manychip/core/scheduler.h"
#include "manychip/store/state_store.h"
#include "manychip/v1/scheduler.pb.h"
#include "src/service/caller.h"

namespace manychip::internal {

v1::Event EventToProto(const EventRecord& record);

// The event as `caller` may see it, or nullopt when it may not.
std::optional<v1::Event> EventForCaller(const Caller& caller, const v1::Event& event);

// The event names `job_id` (as its job, preemptor or a victim).
bool EventNamesJob(const v1::Event& event, const std::string& job_id);

// The structured refs and the detail text of a `job.preempted` event.
v1::EventRefs PreemptionRefs(const Preemption& p);
// "p (tenant a, priority 5) preempted v1 (tenant b, priority 0), v2 (...)";
// a redacted job reads "a job of another tenant (priority N)".
std::string PreemptionDetail(const v1::EventRefs& refs);

}  // namespace manychip::internal
