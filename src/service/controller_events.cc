// The controller's event-log API: refs for the events it records,
// preemption events from the core's cycle result, ListEvents and the
// WatchEvents fan-out (event_hub.h, event_view.h).

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "manychip/status.h"
#include "src/service/controller.h"
#include "src/service/event_view.h"

namespace manychip::internal {
namespace {

constexpr int kDefaultEventPage = 1000;
constexpr int kMaxEventPage = 10000;

}  // namespace

v1::EventRefs Controller::JobRefs(const std::string& job_id, const std::string& node) const {
  v1::EventRefs refs;
  if (auto it = jobs_.find(job_id); it != jobs_.end()) {
    v1::EventJob* j = refs.mutable_job();
    j->set_job_id(job_id);
    j->set_tenant(it->second.spec.tenant);
    j->set_priority(it->second.spec.priority);
  }
  if (!node.empty()) refs.set_node(node);
  return refs;
}

v1::EventRefs Controller::NodeRefs(const std::string& node) {
  v1::EventRefs refs;
  refs.set_node(node);
  return refs;
}

void Controller::RecordPreemptions(const std::vector<Preemption>& preemptions) {
  for (const Preemption& p : preemptions) {
    v1::EventRefs refs = PreemptionRefs(p);
    std::string detail = PreemptionDetail(refs);
    AddEvent("job.preempted", p.preemptor.job_id, std::move(detail), std::move(refs));
  }
}

absl::StatusOr<v1::ListEventsResponse> Controller::ListEvents(
    const Caller& caller, const v1::ListEventsRequest& req) const {
  if (req.after_seq() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("after_seq: ", req.after_seq(), " is negative; 0 lists from the start"));
  }
  if (req.limit() < 0 || req.limit() > kMaxEventPage) {
    return absl::InvalidArgumentError(absl::StrCat("limit: ", req.limit(), " is not in [0, ",
                                                   kMaxEventPage, "] (0 = ", kDefaultEventPage,
                                                   ")"));
  }
  const int limit = req.limit() == 0 ? kDefaultEventPage : req.limit();
  MC_ASSIGN_OR_RETURN(std::vector<EventRecord> page, store_->Events(req.after_seq(), limit));
  v1::ListEventsResponse resp;
  resp.set_last_seq(page.empty() ? req.after_seq() : page.back().seq);
  for (const EventRecord& r : page) {
    v1::Event ev = EventToProto(r);
    if (!EventNamesJob(ev, req.job_id())) continue;
    if (auto seen = EventForCaller(caller, ev)) *resp.add_events() = *std::move(seen);
  }
  return resp;
}

void Controller::AddEventWatcher(const Caller& caller, const std::string& job_id, int64_t after_seq,
                                 std::shared_ptr<EventLink> link) {
  const size_t open = event_watches_.CountFor(caller);
  if (open >= static_cast<size_t>(options_.watch_max_per_caller)) {
    link->Close(absl::ResourceExhaustedError(
        absl::StrCat("WatchEvents: this caller already has ", open,
                     " event streams open, the most --watch_max_per_caller allows; "
                     "close one first")));
    return;
  }
  if (absl::Status s = event_watches_.Add(caller, job_id, after_seq, link, *store_); !s.ok()) {
    link->Close(s);
  }
}

void Controller::RemoveEventWatcher(const EventLink* link) { event_watches_.Remove(link); }

}  // namespace manychip::internal
